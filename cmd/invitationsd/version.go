package main

import (
	"runtime/debug"
	"strings"
)

// describeBuild says which build of invitationsd this is, from what the Go
// toolchain recorded in the binary: the main module's version (a release
// tag, or else a pseudo-version made from the commit, "+dirty" when the
// tree had uncommitted changes) and the VCS revision, its time, and whether
// the tree was modified. go build records the VCS facts from a git clone
// unless -buildvcs=false; not from a git worktree (golang/go#58218), where
// the version is "(devel)" and the revision unknown.
func describeBuild(info *debug.BuildInfo) string {
	if info == nil {
		return "invitationsd (no build information)"
	}
	setting := map[string]string{}
	for _, s := range info.Settings {
		setting[s.Key] = s.Value
	}
	var b strings.Builder
	b.WriteString("invitationsd " + info.Main.Version + " (revision ")
	if rev := setting["vcs.revision"]; rev != "" {
		b.WriteString(rev)
	} else {
		b.WriteString("unknown")
	}
	if t := setting["vcs.time"]; t != "" {
		b.WriteString(" of " + t)
	}
	if setting["vcs.modified"] == "true" {
		b.WriteString(", modified")
	}
	b.WriteString("; " + info.GoVersion)
	if goos, goarch := setting["GOOS"], setting["GOARCH"]; goos != "" && goarch != "" {
		b.WriteString(" " + goos + "/" + goarch)
	}
	b.WriteString(")")
	return b.String()
}

// buildVersion is describeBuild of the running binary.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	return describeBuild(info)
}
