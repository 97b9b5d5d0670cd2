// Command harness is `make bench`: it builds invitationsd and the plain
// baseline server, loads each with wrk in alternation over several rounds
// (server and load generator pinned to different cores), and prints every
// scenario's throughput, p50/p99 latency and ratio to the baseline measured
// in the same run. Ratios, not absolute numbers, are what compare across
// this shared, noisy machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

// config is the harness's flags.
type config struct {
	rounds      int
	duration    time.Duration
	connections int
	serverCPU   string
	loadCPU     string
	only        string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds per scenario; medians are reported")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "load per round and server")
	fs.IntVar(&cfg.connections, "connections", 32, "concurrent connections")
	fs.StringVar(&cfg.serverCPU, "server-cpu", "0", "taskset CPU list for the servers")
	fs.StringVar(&cfg.loadCPU, "load-cpu", "1", "taskset CPU list for wrk")
	fs.StringVar(&cfg.only, "only", "", "run only the scenarios whose name contains this")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := lookPath(tool); err != nil {
			return fmt.Errorf("%s is needed (apt-get install -y wrk util-linux): %w", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "invitations-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	b := &bench{cfg: cfg, dir: dir, log: stderr}
	if err := b.build(ctx); err != nil {
		return err
	}
	results, err := b.runAll(ctx)
	if err != nil {
		return err
	}
	report(stdout, cfg, results)
	return nil
}
