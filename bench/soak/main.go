// Command soak is `make soak`: it runs a built invitationsd (SQLite, its
// default configuration, throttling included) under minutes of mixed load on
// loopback (creates, gets, lists, updates and deletes from many callers,
// each below the per-caller rate limit) and checks that no request failed
// and that the server's resident memory does not grow once warmed up, nor
// its goroutines outlive the load.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// config is the soak's flags.
type config struct {
	duration time.Duration
	warmup   time.Duration
	sample   time.Duration
	callers  int
	rate     float64 // requests per second per caller
	live     int     // invitations a caller keeps at most
	// tolerance is how much the resident memory's peak in the last third
	// of the measured time may exceed its peak in the first third.
	tolerance float64
	serverCPU string
	bin       string
	keep      bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.duration, "duration", 5*time.Minute, "how long the load runs")
	fs.DurationVar(&cfg.warmup, "warmup", time.Minute, "the start of the load that the memory check leaves out")
	fs.DurationVar(&cfg.sample, "sample", 10*time.Second, "how often the server's memory is read")
	fs.IntVar(&cfg.callers, "callers", 32, "concurrent clients, each its own caller (token)")
	fs.Float64Var(&cfg.rate, "rate", 50, "requests per second each caller sends at most; below the server's default -rate-limit (100)")
	fs.IntVar(&cfg.live, "live", 100, "invitations each caller keeps at most: beyond, it deletes instead of creating")
	fs.Float64Var(&cfg.tolerance, "tolerance", 0.10, "allowed growth of the resident memory's peak, from the first to the last third of the measured time")
	fs.StringVar(&cfg.serverCPU, "server-cpu", "0", "taskset CPU list for the server; empty for none")
	fs.StringVar(&cfg.bin, "bin", "", "the invitationsd binary; empty builds ./cmd/invitationsd")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the data and the server's log afterwards")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.callers < 1 || cfg.rate <= 0 || cfg.live < 1 || cfg.sample <= 0 || cfg.warmup >= cfg.duration {
		return errors.New("want -callers, -rate, -live and -sample above 0, and -warmup shorter than -duration")
	}

	dir, done, err := daemon.Workdir("soak", cfg.keep, stdout)
	if err != nil {
		return err
	}
	failed := true
	defer func() { done(failed) }()
	if cfg.bin == "" {
		if cfg.bin, err = daemon.Build(ctx, dir, stderr); err != nil {
			return err
		}
	}
	log, err := os.Create(filepath.Join(dir, "invitationsd.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	keyFile := filepath.Join(dir, "dev-jwt.key")
	tokens := make([]string, cfg.callers)
	for i := range tokens {
		if tokens[i], err = daemon.Token(ctx, cfg.bin, keyFile, tenant, fmt.Sprintf("urn:li:person:soak%d", i), "Invitations.ReadWrite", ""); err != nil {
			return err
		}
	}

	// The server's defaults, but for its addresses and files: the throttle
	// (100 requests per second per caller) stays on.
	argv := []string{cfg.bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-db", filepath.Join(dir, "invitations.db"), "-dev-key-file", keyFile}
	if cfg.serverCPU != "" {
		if _, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{"taskset", "-c", cfg.serverCPU}, argv...)
		} else {
			cfg.serverCPU = ""
		}
	}
	p, err := daemon.Start(argv, log)
	if err != nil {
		return err
	}
	defer p.Kill()

	fmt.Fprintf(stdout, "soak: %v of mixed load from %d callers at up to %.0f requests/s each, on %s; memory every %v, %v of warm-up left out\n",
		cfg.duration, cfg.callers, cfg.rate, machine(cfg.serverCPU), cfg.sample, cfg.warmup)
	res, err := soak(ctx, cfg, p, tokens, stdout)
	if err != nil {
		return err
	}
	if err := p.Stop(30 * time.Second); err != nil {
		res.problems = append(res.problems, fmt.Sprintf("the graceful stop at the end: %v", err))
	}
	res.report(stdout, cfg)
	if len(res.problems) > 0 {
		return fmt.Errorf("FAIL: %s", strings.Join(res.problems, "; "))
	}
	failed = false
	fmt.Fprintln(stdout, "soak: PASS")
	return nil
}

// machine describes where the soak runs, for the report.
func machine(serverCPU string) string {
	model := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	pin := "server unpinned"
	if serverCPU != "" {
		pin = "server on CPU " + serverCPU
	}
	return fmt.Sprintf("%d × %s, %s, %s", runtime.NumCPU(), model, runtime.Version(), pin)
}
