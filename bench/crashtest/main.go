// Command crashtest is `make crashtest`: it proves that a 201 from
// invitationsd means the invitation is stored, and a close's 200 that it is
// closed, whatever happens to the process next.
//
// For each engine (SQLite, and PostgreSQL when a server is given) it runs
// rounds of: concurrent clients creating, updating and closing (accepting
// or ignoring, several at once) invitations, the server killed with SIGKILL
// at a random moment, the server started again on the same data. Then every
// invitation the server acknowledged is read back and compared, field by
// field and with its ETag, with what the server answered (a close's 200
// means the invitation is closed, one version later); the listing holds
// each exactly once, and nothing that no client asked for; the store opened
// cleanly (readiness, and SQLite's integrity check). A write whose answer
// never came (the connection was cut) may or may not be stored; once seen
// after a restart, it must stay; and a close request is stored for all of
// its invitations or for none.
//
// Half the creates carry an Idempotency-Key, as the Go client's all do;
// after each restart every one of them is retried with its key: one that
// was answered 201 must get that answer again, replayed; one whose answer
// never came gets its invitation, replayed, if it stored one, and is
// carried out by the retry if not (a request cut short leaves its key
// free, never held).
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

// config is the crashtest's flags.
type config struct {
	rounds  int
	clients int
	// The kill comes at a random moment between these, after the load began.
	killMin, killMax time.Duration
	postgres         string // a server's DSN, on which a database is created and dropped
	seed             uint64
	timeout          time.Duration
	bin              string // a built invitationsd; built from ./cmd/invitationsd when ""
	keep             bool
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("crashtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.rounds, "rounds", 5, "kill-and-restart rounds per engine")
	fs.IntVar(&cfg.clients, "clients", 16, "concurrent clients, each its own caller")
	fs.DurationVar(&cfg.killMin, "kill-min", 300*time.Millisecond, "the earliest kill, after the load began")
	fs.DurationVar(&cfg.killMax, "kill-max", 2*time.Second, "the latest kill, after the load began")
	fs.StringVar(&cfg.postgres, "postgres", getenv("INVITATIONS_TEST_POSTGRES_DSN"),
		"DSN of a PostgreSQL server to create a throwaway database on; empty skips PostgreSQL (INVITATIONS_TEST_POSTGRES_DSN)")
	fs.Uint64Var(&cfg.seed, "seed", 0, "the random seed (kill moments, request bodies); 0 for a random one")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "give up after this long")
	fs.StringVar(&cfg.bin, "bin", "", "the invitationsd binary; empty builds ./cmd/invitationsd")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the data, logs (and PostgreSQL database) afterwards")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.rounds < 1 || cfg.clients < 1 || cfg.killMin <= 0 || cfg.killMax < cfg.killMin {
		return errors.New("want -rounds and -clients of at least 1, and 0 < -kill-min <= -kill-max")
	}
	if cfg.seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		cfg.seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	dir, done, err := daemon.Workdir("crashtest", cfg.keep, stdout)
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
	fmt.Fprintf(stdout, "crashtest: seed %d; %d rounds per engine, %d clients, SIGKILL %v to %v into the load\n",
		cfg.seed, cfg.rounds, cfg.clients, cfg.killMin, cfg.killMax)

	start := time.Now()
	engines := []string{"sqlite"}
	if cfg.postgres != "" {
		engines = append(engines, "postgres")
	} else {
		fmt.Fprintln(stdout, "crashtest: PostgreSQL skipped: set INVITATIONS_TEST_POSTGRES_DSN (or -postgres) to a server's DSN")
	}
	for i, name := range engines {
		e, err := newEngine(ctx, name, cfg, dir, cfg.seed+uint64(i), stdout)
		if err != nil {
			return err
		}
		err = e.run(ctx)
		e.close(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w (seed %d)", name, err, cfg.seed)
		}
	}
	failed = false
	fmt.Fprintf(stdout, "crashtest: PASS: %s, %d rounds each, in %v\n",
		strings.Join(engines, " and "), cfg.rounds, time.Since(start).Round(100*time.Millisecond))
	return nil
}
