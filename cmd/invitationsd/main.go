// Command invitationsd serves the LinkedIn invitations API.
//
//	invitationsd [flags]          serve (see -help)
//	invitationsd token [flags]    print a development access token
//	invitationsd version          print the version (as -version does)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal begins a graceful shutdown; a second one, during it,
	// ends the process at once (the signals' default action).
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "invitationsd:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "token" {
		return runToken(args[2:], getenv, stdout, stderr)
	}
	if len(args) == 2 && args[1] == "version" {
		_, err := fmt.Fprintln(stdout, buildVersion())
		return err
	}
	return serve(ctx, args[1:], getenv, stdout, stderr)
}
