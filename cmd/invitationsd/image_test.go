//go:build imagetest

// The image test runs with `make image-test`, after `make image`: it needs
// the image, podman, skopeo and umoci, and root (to unpack the image with
// its owners and to chroot into it). These machines build images but cannot
// run containers, so it runs the image's binary the way a runtime would:
// chrooted in the unpacked root file system, as the image's user, in its
// working directory, with its environment.

package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/client/raw"
)

// imageConfig is the part of an OCI image configuration the test checks.
type imageConfig struct {
	Config struct {
		User         string
		Env          []string
		Entrypoint   []string
		Cmd          []string
		WorkingDir   string
		ExposedPorts map[string]struct{}
		Volumes      map[string]struct{}
		Labels       map[string]string
	} `json:"config"`
}

// runtimeSpec is the part of the OCI runtime bundle's config.json (what
// umoci derives from the image for a runtime) that says how to start it.
type runtimeSpec struct {
	Process struct {
		User struct {
			UID uint32 `json:"uid"`
			GID uint32 `json:"gid"`
		} `json:"user"`
		Args []string `json:"args"`
		Env  []string `json:"env"`
		Cwd  string   `json:"cwd"`
	} `json:"process"`
}

func command(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// fileState is what the test compares of a file before and after the
// server ran.
type fileState struct {
	mode     fs.FileMode
	size     int64
	modified time.Time
	uid, gid uint32
}

// snapshot records every file under root but those under keep.
func snapshot(t *testing.T, root, keep string) map[string]fileState {
	t.Helper()
	files := map[string]fileState{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == keep {
			return filepath.SkipDir // the directory's own entry changes when files are made in it
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		files[rel] = fileState{info.Mode(), info.Size(), info.ModTime(), st.Uid, st.Gid}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestImage(t *testing.T) {
	image := os.Getenv("INVITATIONS_IMAGE")
	if image == "" {
		t.Fatal("INVITATIONS_IMAGE is not set: run make image-test, which builds the image and names it")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the image test unpacks the image with its files' owners and chroots into it: run it as root")
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "image.tar")
	command(t, "podman", "save", "--quiet", "--format", "oci-archive", "-o", archive, image)

	// The image's configuration.
	var ic imageConfig
	if err := json.Unmarshal(command(t, "skopeo", "inspect", "--config", "oci-archive:"+archive), &ic); err != nil {
		t.Fatal(err)
	}
	cfg := ic.Config
	t.Logf("image %s: user %s, entrypoint %q, ports %v, volumes %v, labels %v", image, cfg.User, cfg.Entrypoint,
		cfg.ExposedPorts, cfg.Volumes, cfg.Labels)
	if uid, _, _ := strings.Cut(cfg.User, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("the image's user is %q; want one without privileges", cfg.User)
	}
	const binPath = "/usr/local/bin/invitationsd"
	if !slices.Equal(cfg.Entrypoint, []string{binPath}) || len(cfg.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want [%s] and none", cfg.Entrypoint, cfg.Cmd, binPath)
	}
	env := envMap(cfg.Env)
	host, port, err := net.SplitHostPort(env["INVITATIONS_ADDR"])
	if err != nil || host != "0.0.0.0" {
		t.Errorf("INVITATIONS_ADDR = %q; want 0.0.0.0 and a port: every interface of the container", env["INVITATIONS_ADDR"])
	}
	if _, ok := cfg.ExposedPorts[port+"/tcp"]; !ok || len(cfg.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v; want only %s/tcp, the port of INVITATIONS_ADDR", cfg.ExposedPorts, port)
	}
	if _, ok := cfg.Volumes["/data"]; !ok || len(cfg.Volumes) != 1 || cfg.WorkingDir != "/data" {
		t.Errorf("volumes %v, working directory %q; want /data, and /data", cfg.Volumes, cfg.WorkingDir)
	}
	for _, k := range []string{"INVITATIONS_DB", "INVITATIONS_DEV_KEY_FILE", "TMPDIR"} {
		if !strings.HasPrefix(env[k]+"/", "/data/") {
			t.Errorf("%s = %q; want a path under /data", k, env[k])
		}
	}
	license, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	spdx, _, _ := strings.Cut(string(license), " License\n")
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/graph-linkedin/invitations",
		"org.opencontainers.image.licenses": spdx, // "MIT", as LICENSE and openapi.yaml say
	} {
		if got := cfg.Labels[k]; got != want {
			t.Errorf("label %s = %q; want %q", k, got, want)
		}
	}

	// The root file system and the runtime configuration a runtime would
	// use, unpacked with the files' owners.
	layout, bundle := filepath.Join(dir, "oci"), filepath.Join(dir, "bundle")
	command(t, "skopeo", "copy", "--quiet", "oci-archive:"+archive, "oci:"+layout+":test")
	command(t, "umoci", "unpack", "--image", layout+":test", bundle)
	var spec runtimeSpec
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	proc := spec.Process
	rootfs := filepath.Join(bundle, "rootfs")
	if proc.User.UID == 0 || !slices.Equal(proc.Args, []string{binPath}) || proc.Cwd != "/data" {
		t.Fatalf("the runtime would run %q as %d:%d in %s; want %s as the image's user, in /data", proc.Args, proc.User.UID, proc.User.GID, proc.Cwd, binPath)
	}

	// The binary: static, and saying the version the labels say.
	bin := filepath.Join(rootfs, binPath)
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: it is not static", binPath)
		}
	}
	ef.Close()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	revision := settings["vcs.revision"]
	if revision == "" {
		revision = "unknown"
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("%s was built with CGO_ENABLED=%q; want 0", binPath, settings["CGO_ENABLED"])
	}
	if got := cfg.Labels["org.opencontainers.image.version"]; got != info.Main.Version {
		t.Errorf("label version %q; the binary is %q", got, info.Main.Version)
	}
	if got := cfg.Labels["org.opencontainers.image.revision"]; got != revision {
		t.Errorf("label revision %q; the binary's is %q", got, revision)
	}
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && revision != "unknown" && revision != strings.TrimSpace(string(head)) {
		t.Errorf("the image's revision is %s; the checkout's HEAD is %s", revision, head)
	}

	// Run it, as a runtime would: chrooted, as the image's user, in its
	// working directory, with its environment. One change: the port is a
	// free one (tests take no fixed port); the host stays the image's.
	inImage := func(args ...string) *exec.Cmd {
		cmd := exec.Command(proc.Args[0], args...)
		cmd.Dir, cmd.Env = proc.Cwd, slices.Clone(proc.Env)
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs,
			Credential: &syscall.Credential{Uid: proc.User.UID, Gid: proc.User.GID, NoSetGroups: true}}
		return cmd
	}
	out, err := inImage("version").Output()
	if want := describeBuild(info); err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("invitationsd version in the image = %q, %v; want %q", out, err, want)
	}
	t.Logf("invitationsd version: %s", bytes.TrimSpace(out))

	before := snapshot(t, rootfs, "data")
	server := inImage(proc.Args[1:]...)
	server.Env = append(server.Env, "INVITATIONS_ADDR="+net.JoinHostPort(host, "0"))
	d := launch(t, server)
	listening := listenAddr(t, d.logs)
	lhost, lport, err := net.SplitHostPort(listening)
	if ip := net.ParseIP(lhost); err != nil || ip == nil || !ip.IsUnspecified() {
		t.Errorf("the server listens on %s; want every interface", listening)
	}
	addr := net.JoinHostPort("127.0.0.1", lport)
	waitHealthy(t, addr)
	for _, path := range []string{"/readyz", "/metrics"} {
		if status, _ := httpGet(t, "http://"+addr+path); status != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", path, status)
		}
	}
	tok := token(t, filepath.Join(rootfs, "data", "dev-jwt.key"), "urn:li:person:A1iceX9")
	c := newClient(t, addr, tok)
	res, err := c.CreateInvitationWithResponse(context.Background(), nil, raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusCreated {
		t.Fatalf("create = %d %s; want 201", res.StatusCode(), res.Body)
	}
	got, err := c.GetInvitationWithResponse(context.Background(), *res.JSON201.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode() != http.StatusOK {
		t.Errorf("get the invitation created = %d; want 200", got.StatusCode())
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if state, _ := d.wait(t, 30*time.Second); !state.Success() {
		t.Errorf("invitationsd exited with %v after SIGTERM; want 0", state)
	}

	// It wrote only under /data, as the image's user.
	after := snapshot(t, rootfs, "data")
	for path, st := range after {
		if was, ok := before[path]; !ok || was != st {
			t.Errorf("the server changed /%s outside /data: %+v, was %+v", path, st, was)
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			t.Errorf("the server removed /%s", path)
		}
	}
	var written []string
	filepath.WalkDir(filepath.Join(rootfs, "data"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rootfs, path)
		if st := info.Sys().(*syscall.Stat_t); st.Uid != proc.User.UID {
			t.Errorf("/%s is owned by %d; want the image's user %d", rel, st.Uid, proc.User.UID)
		}
		written = append(written, fmt.Sprintf("/%s (%v)", rel, info.Mode()))
		return nil
	})
	for _, f := range []string{env["INVITATIONS_DB"], env["INVITATIONS_DEV_KEY_FILE"]} {
		if _, err := os.Stat(filepath.Join(rootfs, f)); err != nil {
			t.Errorf("the server did not write %s: %v", f, err)
		}
	}
	t.Logf("written under /data: %s", strings.Join(written, ", "))
}
