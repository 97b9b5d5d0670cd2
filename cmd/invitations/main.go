// Command invitations is the command-line client of the LinkedIn
// invitations API, built on package client.
//
//	invitations [global flags] <command> [flags] [id...]
//
// Run "invitations help" for the commands and flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/graph-linkedin/invitations/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// defaultURL is where `make run` serves.
const defaultURL = "http://127.0.0.1:8080/v1.0"

// env is what every command gets: the global settings and the process's
// streams.
type env struct {
	url, token, output, requestID string

	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name, args     string
	short, summary string                 // one line for the list of commands; the help
	flags          func(fs *flag.FlagSet) // the command's own flags
	nargs          int                    // positional arguments it takes; oneOrMore for at least one
	run            func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, args []string) error
}

// commands are the subcommands, in the order help lists them.
var commands = []*command{createCommand, getCommand, listCommand, updateCommand, deleteCommand, acceptCommand, ignoreCommand,
	subscribeCommand, subscriptionsCommand, renewCommand, unsubscribeCommand}

// oneOrMore is the nargs of a command that takes one argument or more.
const oneOrMore = -1

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct {
	cmd string // "" for the global flags
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

// run is the whole program; main only supplies the process's context,
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{url: getenv("INVITATIONS_URL"), token: getenv("INVITATIONS_TOKEN"), output: "json",
		stdin: stdin, stdout: stdout, stderr: stderr}
	if e.url == "" {
		e.url = defaultURL
	}
	top := flag.NewFlagSet("invitations", flag.ContinueOnError)
	e.globalFlags(top)
	if help, err := parseFlags(top, args[1:], stdout, usage); help || err != nil {
		return err
	}
	if top.NArg() == 0 {
		return &usageError{err: errors.New("no command")}
	}
	name, rest := top.Arg(0), top.Args()[1:]
	if name == "help" {
		if len(rest) == 0 {
			usage(top, stdout)
			return nil
		}
		name, rest = rest[0], []string{"--help"}
	}
	cmd := lookup(name)
	if cmd == nil {
		return &usageError{err: fmt.Errorf("unknown command %q", name)}
	}
	return cmd.runWith(ctx, e, rest)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// globalFlags are the flags of every command.
func (e *env) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&e.url, "url", e.url, "the API's base URL, with the version (INVITATIONS_URL)")
	fs.Var(secret{&e.token}, "token", "the bearer access `token` (INVITATIONS_TOKEN)")
	fs.StringVar(&e.output, "output", e.output, `output format: "json", "table" (for people) or "id" (the ids alone, for scripts)`)
	fs.StringVar(&e.requestID, "client-request-id", e.requestID, "the client-request-id to send (default: a random one)")
	fs.Bool("help", false, "show this help")
}

// secret is a flag.Value whose value help never shows.
type secret struct{ p *string }

func (s secret) String() string { return "" }

func (s secret) Set(v string) error {
	*s.p = v
	return nil
}

// usage prints the command's help.
func (cmd *command) usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: invitations %s [flags]%s\n\n%s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
	printDefaults(fs, w)
}

// runWith parses the command's flags, which may come before or after its
// arguments, and runs it.
func (cmd *command) runWith(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("invitations "+cmd.name, flag.ContinueOnError)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	e.globalFlags(fs)
	var pos []string
	for {
		help, err := parseFlags(fs, args, e.stdout, cmd.usage)
		if err != nil {
			err.(*usageError).cmd = cmd.name
			return err
		}
		if help {
			return nil
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != cmd.nargs && (cmd.nargs != oneOrMore || len(pos) == 0) {
		want := "no arguments"
		switch cmd.nargs {
		case 1:
			want = "one argument," + cmd.args
		case oneOrMore:
			want = "one argument or more," + cmd.args
		}
		return &usageError{cmd: cmd.name, err: fmt.Errorf("%s takes %s; got %d", cmd.name, want, len(pos))}
	}
	if e.output != "json" && e.output != "table" && e.output != "id" {
		return &usageError{cmd: cmd.name, err: fmt.Errorf(`--output %q: want "json", "table" or "id"`, e.output)}
	}
	opts := []client.Option{client.WithUserAgent("invitations-cli")}
	if e.token != "" {
		opts = append(opts, client.WithToken(e.token))
	}
	c, err := client.New(e.url, opts...)
	if err != nil {
		return &usageError{cmd: cmd.name, err: fmt.Errorf("--url: %w", err)}
	}
	return cmd.run(ctx, e, c, fs, pos)
}

// parseFlags parses args. On -h or --help it prints the usage to stdout and
// reports help; a mistake is a *usageError.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, usage func(*flag.FlagSet, io.Writer)) (help bool, err error) {
	fs.SetOutput(io.Discard) // the errors are reported once, by report
	fs.Usage = func() {}
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) || err == nil && fs.Lookup("help").Value.String() == "true" {
		usage(fs, stdout)
		return true, nil
	}
	if err != nil {
		return false, &usageError{err: err}
	}
	return false, nil
}

// printDefaults lists fs's flags on w.
func printDefaults(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// usage is the program's help.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `usage: invitations [flags] <command> [flags] [id...]

Create, read, list, update and delete LinkedIn invitations, accept or ignore
the ones sent to you, and subscribe to their changes, through the Microsoft
Graph-style invitations API.

commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, `
Run "invitations <command> --help" for a command's flags.

flags (of every command):
`)
	printDefaults(fs, w)
	fmt.Fprint(w, `
environment:
  INVITATIONS_URL    the API's base URL (default `+defaultURL+`)
  INVITATIONS_TOKEN  the bearer access token

Output is JSON unless --output table or id. On failure the exit status is 1 (2 for
a mistake in the command line) and standard error says why, with the
service's error code and request-id; accept and ignore exit with 1 when any
invitation failed, after printing every result.
`)
}

// report prints err to stderr and returns the exit status.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "error:", err)
	var uerr *usageError
	if errors.As(err, &uerr) {
		cmd := "invitations"
		if uerr.cmd != "" {
			cmd += " " + uerr.cmd
		}
		fmt.Fprintf(stderr, "run '%s --help' for usage\n", cmd)
		return 2
	}
	return 1
}
