package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/cli.md, which lists the commands and their flags, names every
// command and every flag of each, and no flag the command line does not
// have: it is checked against the code, not kept in step by hand.
func TestDocsCLI(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(doc, -1) {
		documented[m[1]] = true
	}

	known := map[string]bool{}
	global := flag.NewFlagSet("invitations", flag.ContinueOnError)
	(&env{}).globalFlags(global)
	global.VisitAll(func(f *flag.Flag) { known[f.Name] = true })
	for _, cmd := range commands {
		if !strings.Contains(doc, "`"+cmd.name) {
			t.Errorf("docs/cli.md does not name the command %s", cmd.name)
		}
		if cmd.flags == nil {
			continue
		}
		fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
		cmd.flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			known[f.Name] = true
			if !documented[f.Name] {
				t.Errorf("docs/cli.md does not name %s's flag --%s", cmd.name, f.Name)
			}
		})
	}
	for name := range documented {
		if !known[name] {
			t.Errorf("docs/cli.md names --%s, which no command has", name)
		}
	}
}
