package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

var lookPath = exec.LookPath

// bench holds the harness's state: the built binaries and the servers.
type bench struct {
	cfg   config
	dir   string
	log   io.Writer
	token string
}

// scenario is one kind of request against one server configuration.
type scenario struct {
	name   string
	server string // "full" or "http": see bench.start
	kind   string // create, get or list
}

var scenarios = []scenario{
	{"create, full stack (JWT, validation, durable SQLite)", "full", "create"},
	{"get by id, full stack", "full", "get"},
	{"list page (50 of 1,000), full stack", "full", "list"},
	{"create, HTTP layer over an in-memory store", "http", "create"},
	{"get by id, HTTP layer over an in-memory store", "http", "get"},
}

// measurement is what one wrk run saw.
type measurement struct {
	rps      float64
	p50, p99 time.Duration
}

// result is a scenario's medians for the baseline and invitationsd.
type result struct {
	scenario           scenario
	baseline, measured measurement
	rssMiB             float64 // the server's resident memory afterwards
	loadSeconds        float64 // the load the server had had by then
}

func (b *bench) build(ctx context.Context) error {
	if _, err := daemon.Build(ctx, b.dir, b.log); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(b.dir, "baseline"), "./bench/baseline")
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build ./bench/baseline: %w", err)
	}
	token, err := daemon.Token(ctx, filepath.Join(b.dir, "invitationsd"), filepath.Join(b.dir, "dev-jwt.key"),
		"2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b", "urn:li:person:bench", "Invitations.ReadWrite", "")
	b.token = token
	return err
}

// process is a running server and the load it has had.
type process struct {
	*daemon.Process
	load time.Duration
}

// start starts a server pinned to the server CPU: the baseline, or
// invitationsd in one of its configurations. Their output (the request
// log) is dropped.
func (b *bench) start(which string) (*process, error) {
	argv := []string{"taskset", "-c", b.cfg.serverCPU, filepath.Join(b.dir, "invitationsd"), "-addr", "127.0.0.1:0",
		"-metrics-addr", "127.0.0.1:0", "-dev-key-file", filepath.Join(b.dir, "dev-jwt.key"), "-rate-limit", "0"}
	switch which {
	case "baseline":
		argv = []string{"taskset", "-c", b.cfg.serverCPU, filepath.Join(b.dir, "baseline"), "-addr", "127.0.0.1:0"}
	case "full":
		argv = append(argv, "-db", filepath.Join(b.dir, "bench.db"))
	case "http":
		argv = append(argv, "-db", "memory:")
	}
	p, err := daemon.Start(argv, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", which, err)
	}
	return &process{Process: p}, nil
}

func (p *process) stop() { p.Stop(20 * time.Second) }

// rssMiB is the process's resident memory.
func (p *process) rssMiB() float64 {
	rss, err := p.RSS()
	if err != nil {
		return 0
	}
	return float64(rss) / (1 << 20)
}

// seed creates invitations through the API, for get and list to find, and
// returns one id.
func (b *bench) seed(p *process, n int) (string, error) {
	var id string
	for i := range n {
		body := fmt.Sprintf(`{"invitee":"urn:li:person:seed%d"}`, i)
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.Addr+"/v1.0/linkedIn/invitations", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+b.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		var created struct{ ID string }
		err = json.NewDecoder(res.Body).Decode(&created)
		res.Body.Close()
		if res.StatusCode == http.StatusConflict {
			continue // seeded already, in an earlier scenario
		}
		if err != nil || res.StatusCode != http.StatusCreated {
			return "", fmt.Errorf("seed: status %d, %v", res.StatusCode, err)
		}
		id = created.ID
	}
	if id == "" {
		return "", fmt.Errorf("seed: nothing created")
	}
	return id, nil
}

// runAll runs every scenario: for each server configuration, the servers
// start once; each round loads the baseline and invitationsd in turn
// (alternating which goes first) with the same wrk script.
func (b *bench) runAll(ctx context.Context) ([]result, error) {
	var results []result
	for _, which := range []string{"full", "http"} {
		var chosen []scenario
		for _, s := range scenarios {
			if s.server == which && strings.Contains(s.name, b.cfg.only) {
				chosen = append(chosen, s)
			}
		}
		if len(chosen) == 0 {
			continue
		}
		base, err := b.start("baseline")
		if err != nil {
			return nil, err
		}
		server, err := b.start(which)
		if err != nil {
			base.stop()
			return nil, err
		}
		rs, err := b.runScenarios(ctx, chosen, base, server)
		base.stop()
		server.stop()
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
	}
	return results, nil
}

func (b *bench) runScenarios(ctx context.Context, chosen []scenario, base, server *process) ([]result, error) {
	var ids [2]string
	for i, p := range []*process{base, server} {
		id, err := b.seed(p, 1000)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	var results []result
	for _, s := range chosen {
		var runs [2][]measurement
		for round := range b.cfg.rounds {
			order := []int{0, 1}
			if round%2 == 1 {
				order = []int{1, 0}
			}
			for _, i := range order {
				p := []*process{base, server}[i]
				fmt.Fprintf(b.log, "%s: round %d, %s\n", s.name, round+1, []string{"baseline", "invitationsd"}[i])
				m, err := b.wrk(ctx, p, s, ids[i], fmt.Sprintf("r%d%s", round, []string{"b", "s"}[i]))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", s.name, err)
				}
				p.load += b.cfg.duration
				runs[i] = append(runs[i], m)
			}
		}
		results = append(results, result{
			scenario: s, baseline: median(runs[0]), measured: median(runs[1]),
			rssMiB: server.rssMiB(), loadSeconds: server.load.Seconds(),
		})
	}
	return results, nil
}

// scripts are the wrk Lua scripts, one per kind of request. Creates name a
// new invitee each time, under a prefix unique to the run.
var scripts = map[string]string{
	"create": `
local prefix, token, n = "", "", 0
function init(args) prefix, token = args[1], args[2] end
function request()
  n = n + 1
  return wrk.format("POST", "/v1.0/linkedIn/invitations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
    '{"invitee":"urn:li:person:' .. prefix .. '_' .. n .. '"}')
end`,
	"get": `
local req
function init(args)
  req = wrk.format("GET", "/v1.0/linkedIn/invitations/" .. args[3], {["Authorization"] = "Bearer " .. args[2]})
end
function request() return req end`,
	"list": `
local req
function init(args)
  req = wrk.format("GET", "/v1.0/linkedIn/invitations?$top=50", {["Authorization"] = "Bearer " .. args[2]})
end
function request() return req end`,
}

// wrk loads p with the scenario's requests and reads wrk's report.
func (b *bench) wrk(ctx context.Context, p *process, s scenario, id, prefix string) (measurement, error) {
	script := filepath.Join(b.dir, s.kind+".lua")
	if err := os.WriteFile(script, []byte(scripts[s.kind]), 0o600); err != nil {
		return measurement{}, err
	}
	cmd := exec.CommandContext(ctx, "taskset", "-c", b.cfg.loadCPU, "wrk", "-t1",
		"-c", strconv.Itoa(b.cfg.connections), "-d", b.cfg.duration.String(), "--latency", "-s", script,
		"http://"+p.Addr, "--", prefix+s.kind, b.token, id)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return measurement{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(out)
}

// parseWrk reads requests/sec and the 50% and 99% latencies; any non-2xx
// response fails the run (a benchmark of errors measures nothing).
func parseWrk(out []byte) (measurement, error) {
	var m measurement
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			m.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			m.p50 = parseLatency(f[1])
		case len(f) == 2 && f[0] == "99%":
			m.p99 = parseLatency(f[1])
		case strings.Contains(line, "Non-2xx or 3xx responses"), strings.Contains(line, "Socket errors"):
			return m, fmt.Errorf("wrk saw failures: %s\n%s", strings.TrimSpace(line), out)
		}
	}
	if m.rps == 0 || m.p50 == 0 {
		return m, fmt.Errorf("cannot read wrk's report:\n%s", out)
	}
	return m, nil
}

func parseLatency(s string) time.Duration {
	for _, unit := range []struct {
		suffix string
		scale  time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}} {
		if v, ok := strings.CutSuffix(s, unit.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0
			}
			return time.Duration(f * float64(unit.scale))
		}
	}
	return 0
}

func median(ms []measurement) measurement {
	pick := func(get func(measurement) float64) float64 {
		vs := make([]float64, len(ms))
		for i, m := range ms {
			vs[i] = get(m)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	return measurement{
		rps: pick(func(m measurement) float64 { return m.rps }),
		p50: time.Duration(pick(func(m measurement) float64 { return float64(m.p50) })),
		p99: time.Duration(pick(func(m measurement) float64 { return float64(m.p99) })),
	}
}
