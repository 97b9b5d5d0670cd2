// Command harness is `make bench-http`: it builds invitationsd and the
// reference servers (bench/baseline, bench/stock, bench/baresqlite), runs
// them all, each pinned to the server CPU with GOMAXPROCS=1, loads them with
// wrk on the other CPU, series after series in alternation over several
// rounds, and prints every series' medians, its ratio to the bare baseline
// measured in the same run, and issue 13's targets, each a ratio to its
// reference, met or missed. Ratios, not absolute numbers, are what compare
// across this shared, noisy machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
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
	scenarios   []string
	memoryAfter time.Duration
	keep        bool
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds per scenario; medians are reported")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "load per round and series (whole seconds)")
	fs.IntVar(&cfg.connections, "connections", 32, "concurrent connections")
	fs.StringVar(&cfg.serverCPU, "server-cpu", "0", "taskset CPU list for the servers; empty for no pinning")
	fs.StringVar(&cfg.loadCPU, "load-cpu", "1", "taskset CPU list for wrk; empty for no pinning")
	scenarioList := fs.String("scenarios", "", "comma-separated scenarios to run, of "+strings.Join(scenarioNames(), ", ")+"; all when empty")
	fs.DurationVar(&cfg.memoryAfter, "memory-after", time.Minute, "the full stack's load before the memory scenario reads its resident memory")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the run's directory (binaries, databases, scripts)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.rounds < 1 || cfg.duration < time.Second || cfg.connections < 1 {
		return cfg, fmt.Errorf("-rounds, -connections must be at least 1 and -duration at least 1s")
	}
	for name := range strings.SplitSeq(*scenarioList, ",") {
		if name = strings.TrimSpace(name); name != "" {
			cfg.scenarios = append(cfg.scenarios, name)
		}
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args[1:], stderr)
	if err != nil {
		return err
	}
	chosen, err := choose(cfg.scenarios)
	if err != nil {
		return err
	}
	tools := []string{"wrk"}
	if cfg.serverCPU != "" || cfg.loadCPU != "" {
		tools = append(tools, "taskset")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is needed (apt-get install -y wrk util-linux): %w", tool, err)
		}
	}
	b, done, err := newBench(cfg, stderr)
	if err != nil {
		return err
	}
	loadBefore := loadAverage()
	res, err := b.runAll(ctx, chosen)
	done(err != nil)
	if err != nil {
		return err
	}
	report(stdout, cfg, chosen, res, loadBefore, loadAverage())
	return nil
}
