package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		s := []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}}
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	build := func(version string, s []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/graph-linkedin/invitations", Version: version}, Settings: s}
	}
	const rev = "13cac99b5046c06846860611dcd0e957df01fc70"
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"release", build("v1.2.3", settings("vcs.revision", rev, "vcs.time", "2026-11-26T11:07:03Z", "vcs.modified", "false")),
			"invitationsd v1.2.3 (revision " + rev + " of 2026-11-26T11:07:03Z; go1.26.8 linux/amd64)"},
		{"modified", build("v0.0.0-20261126110703-13cac99b5046+dirty", settings("vcs.revision", rev, "vcs.time", "2026-11-26T11:07:03Z", "vcs.modified", "true")),
			"invitationsd v0.0.0-20261126110703-13cac99b5046+dirty (revision " + rev + " of 2026-11-26T11:07:03Z, modified; go1.26.8 linux/amd64)"},
		{"no VCS", build("(devel)", settings()), "invitationsd (devel) (revision unknown; go1.26.8 linux/amd64)"},
		{"no build information", nil, "invitationsd (no build information)"},
	}
	for _, tt := range tests {
		if got := describeBuild(tt.info); got != tt.want {
			t.Errorf("describeBuild(%s) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// The binary says what it was built from, as the toolchain recorded it:
// `invitationsd version` and `invitationsd -version` alike. Built in a git
// clone, that includes the commit checked out.
func TestVersion(t *testing.T) {
	bin := buildServer(t)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := describeBuild(info)
	for _, args := range [][]string{{"version"}, {"-version"}, {"-addr", "127.0.0.1:0", "-version"}} {
		out, err := exec.Command(bin, args...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("invitationsd %s = %q, %v; want %q", strings.Join(args, " "), got, err, want)
		}
	}

	var revision string
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	// The toolchain stamps the revision from a git clone (a .git directory),
	// not from a git worktree (a .git file; golang/go#58218) or outside git.
	gitDir, errDir := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-dir").Output()
	commonDir, errCommon := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir").Output()
	clone := errDir == nil && errCommon == nil && bytes.Equal(gitDir, commonDir)
	switch {
	case clone && revision != built.head:
		t.Errorf("built in a git clone at %s, the binary's revision is %q", built.head, revision)
	case !clone && revision != "":
		t.Errorf("built outside a git clone, the binary's revision is %q; want none", revision)
	}
	if info.Main.Path != "github.com/graph-linkedin/invitations" || info.Main.Version == "" {
		t.Errorf("the binary's main module is %s %s; want github.com/graph-linkedin/invitations and its version", info.Main.Path, info.Main.Version)
	}

	// run, as main calls it.
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"invitationsd", "version"}, func(string) string { return "" }, &stdout, &stderr); err != nil ||
		stdout.String() != buildVersion()+"\n" || !strings.HasPrefix(stdout.String(), "invitationsd ") {
		t.Errorf("run(invitationsd version) = %v, printed %q; want %q", err, stdout.String(), buildVersion())
	}
}

// -version answers whatever the configuration: an operator asks it of a
// server that will not start, too. Without -version the same configuration
// is refused.
func TestVersionWithBadConfiguration(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"a variable that does not parse": {"INVITATIONS_RATE_LIMIT": "fast"},
		"an issuer without keys":         {"INVITATIONS_JWT_ISSUER": "https://issuer.example.com"},
	} {
		getenv := func(k string) string { return env[k] }
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"invitationsd", "-version"}, getenv, &stdout, &stderr); err != nil ||
			stdout.String() != buildVersion()+"\n" {
			t.Errorf("%s: run(invitationsd -version) = %v, printed %q; want %q", name, err, stdout.String(), buildVersion())
		}
		if _, err := parseConfig(nil, getenv, &stderr); err == nil {
			t.Errorf("%s: parseConfig without -version = nil error; want one", name)
		}
	}
}
