package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// The servers, by the names the report uses.
const (
	baseline   = "baseline"
	stock      = "stock"
	bareSQLite = "bare-sqlite"
	httpLayer  = "http-layer"
	fullStack  = "full-stack"
)

// module is the module's path: packages are built by import path, so that
// the harness (and its test) runs from any directory inside the module.
const module = "github.com/graph-linkedin/invitations"

// server is one of the processes the harness loads.
type server struct {
	name  string
	about string // what it is, for the report
	pkg   string // the package its binary is built from
	// args are its flags after the binary: dir is the run's directory.
	args func(dir string) []string
}

// invitationsdArgs are the flags of invitationsd with everything on:
// authentication (the development key; the one token is cached after its
// first check), validation, request ids, the access log, metrics (on their
// own listener), header and body limits, and throttling, configured with a
// rate no load here reaches, so that it does its work and refuses nothing.
func invitationsdArgs(dir, db string) []string {
	return []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key"),
		"-rate-limit", "1000000", "-rate-burst", "1000000", "-db", db}
}

var servers = []server{
	{baseline, "bench/baseline: net/http, encoding/json, a map under a mutex; no auth, no validation, no database",
		module + "/bench/baseline", func(string) []string { return []string{"-addr", "127.0.0.1:0"} }},
	{stock, "bench/stock: the stock oapi-codegen strict Echo server (gen/) + echo-middleware's kin-openapi validator (gorilla/mux), bearer token required but not checked, a map; no log",
		module + "/bench/stock", func(string) []string { return []string{"-addr", "127.0.0.1:0"} }},
	{bareSQLite, "bench/baresqlite: net/http calling the SQLite store's create and get (synchronous=FULL, group commit); no auth, no validation, no log",
		module + "/bench/baresqlite", func(dir string) []string {
			return []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "bare.db")}
		}},
	{httpLayer, "invitationsd -db memory: (the HTTP layer): JWT (cached), validation, request ids, access log, metrics, limits, throttling configured (-rate-limit 1000000)",
		module + "/cmd/invitationsd", func(dir string) []string { return invitationsdArgs(dir, "memory:") }},
	{fullStack, "invitationsd on SQLite (the full stack, as shipped, synchronous=FULL): the same flags, -db a file",
		module + "/cmd/invitationsd", func(dir string) []string { return invitationsdArgs(dir, filepath.Join(dir, "full.db")) }},
}

func serverNamed(name string) server {
	i := slices.IndexFunc(servers, func(s server) bool { return s.name == name })
	return servers[i]
}

// bench is a run's state: its directory, the token, the running servers.
type bench struct {
	cfg     config
	dir     string
	log     io.Writer
	token   string
	running map[string]*process
	wrkRuns int // wrk runs so far, which makes each run's invitees unique
}

// newBench makes a run's directory; done removes it unless the run failed
// or -keep asks to keep it.
func newBench(cfg config, log io.Writer) (*bench, func(failed bool), error) {
	dir, done, err := daemon.Workdir("invitations-bench", cfg.keep, log)
	if err != nil {
		return nil, nil, err
	}
	return &bench{cfg: cfg, dir: dir, log: log}, done, nil
}

// build builds the binaries the named servers need, and invitationsd (whose
// token command mints the token every request carries).
func (b *bench) build(ctx context.Context, names []string) error {
	pkgs := []string{module + "/cmd/invitationsd"}
	for _, name := range names {
		if pkg := serverNamed(name).pkg; !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	for _, pkg := range pkgs {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(b.dir, filepath.Base(pkg)), pkg)
		cmd.Stdout, cmd.Stderr = b.log, b.log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	token, err := daemon.Token(ctx, filepath.Join(b.dir, "invitationsd"), filepath.Join(b.dir, "dev-jwt.key"),
		"2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b", "urn:li:person:bench", "Invitations.ReadWrite", "")
	b.token = token
	return err
}

// process is a running server and the load it has had.
type process struct {
	*daemon.Process
	load   time.Duration
	seeded string // the id of an invitation it holds
}

// start starts the named server, pinned to the server CPU with
// GOMAXPROCS=1, and seeds it with n invitations through its API. Its
// output (invitationsd's access log) is dropped.
func (b *bench) start(name string, n int) error {
	s := serverNamed(name)
	argv := []string{"env", "GOMAXPROCS=1", filepath.Join(b.dir, filepath.Base(s.pkg))}
	if b.cfg.serverCPU != "" {
		argv = append([]string{"taskset", "-c", b.cfg.serverCPU}, argv...)
	}
	p, err := daemon.Start(append(argv, s.args(b.dir)...), io.Discard)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	proc := &process{Process: p}
	b.running[name] = proc
	if err := b.seed(proc, n); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// stopAll stops the running servers.
func (b *bench) stopAll() {
	for _, p := range b.running {
		p.Stop(20 * time.Second)
	}
}

// rssMiB is the process's resident memory.
func (p *process) rssMiB() float64 {
	rss, err := p.RSS()
	if err != nil {
		return 0
	}
	return float64(rss) / (1 << 20)
}

// seed creates n invitations through the API, for get and list to find,
// and keeps the last one's id.
func (b *bench) seed(p *process, n int) error {
	for i := range n {
		res, err := b.send(p, newRequest("create", fmt.Sprintf("seed%d", i), "", b.token))
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		var created struct{ ID string }
		err = json.NewDecoder(res.Body).Decode(&created)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated || created.ID == "" {
			return fmt.Errorf("seed: status %d, %v", res.StatusCode, err)
		}
		p.seeded = created.ID
	}
	return nil
}

func (b *bench) send(p *process, req *http.Request) (*http.Response, error) {
	req.URL.Host = p.Addr
	return http.DefaultClient.Do(req)
}

// check sends the request of each series once, made as its wrk script
// makes it, and wants the status the script's requests must get: wrk
// counts any other as a failure and the run stops, but only after a
// round's worth of load; this says which at once.
func (b *bench) check(ss []series) error {
	for _, s := range ss {
		p := b.running[s.server]
		for _, kind := range requests[s.request].checks {
			res, err := b.send(p, newRequest(kind, fmt.Sprintf("check%d", b.nextRun()), p.seeded, b.token))
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
			res.Body.Close()
			if want := requests[kind].status; res.StatusCode != want {
				return fmt.Errorf("%s: %s: status %d, want %d: %s", s, kind, res.StatusCode, want, strings.TrimSpace(string(body)))
			}
		}
	}
	return nil
}

func (b *bench) nextRun() int {
	b.wrkRuns++
	return b.wrkRuns
}
