package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// request is a kind of request: its wrk script and, for the checks and the
// seeding done in Go, how newRequest makes one.
type request struct {
	name   string // for the report
	status int    // what every one must get
	// checks are the kinds check sends for it: itself, or the kinds a
	// mixed script alternates.
	checks []string
	// script is wrk's Lua. Its arguments are a prefix unique to the wrk
	// run, the token, the id of an invitation the server holds and the
	// run's start in milliseconds since the Unix epoch. Creates name a new
	// invitee each time (and, keyed, a new Idempotency-Key).
	script string
}

// luaCreate is the function the create scripts share: the n-th request of
// the run, with the headers given. A keyed create's key has the Go
// client's form, a version 7 UUID, its time in order: the run's start,
// 4096 keys a millisecond (the 12 bits after the version), and the run and
// n in its last bits, so that no two runs' keys are alike.
const luaCreate = `
local prefix, token, id, start, n = "", "", "", 0, 0
function init(args) prefix, token, id, start = args[1], args[2], args[3], tonumber(args[4]) end
local function key()
  local ms, sub = start + math.floor(n / 4096), n % 4096
  return string.format("%08x-%04x-7%03x-8%s-%012x", math.floor(ms / 65536), ms % 65536, sub,
    string.sub(string.format("%03x", #prefix > 1 and tonumber(string.sub(prefix, 2)) or 0), -3), n)
end
function create(keyed)
  n = n + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  if keyed then headers["Idempotency-Key"] = key() end
  return wrk.format("POST", "/v1.0/linkedIn/invitations", headers, '{"invitee":"urn:li:person:' .. prefix .. '_' .. n .. '"}')
end
`

var requests = map[string]request{
	"create": {"create", http.StatusCreated, []string{"create"}, luaCreate + `
function request() return create(false) end`},
	"keyed": {"create with a fresh Idempotency-Key", http.StatusCreated, []string{"keyed"}, luaCreate + `
function request() return create(true) end`},
	"get": {"get by id", http.StatusOK, []string{"get"}, `
local req
function init(args)
  req = wrk.format("GET", "/v1.0/linkedIn/invitations/" .. args[3], {["Authorization"] = "Bearer " .. args[2]})
end
function request() return req end`},
	"list": {"list, a page of 50", http.StatusOK, []string{"list"}, `
local req
function init(args)
  req = wrk.format("GET", "/v1.0/linkedIn/invitations?$top=50", {["Authorization"] = "Bearer " .. args[2]})
end
function request() return req end`},
	"mixed": {"creates and gets, alternating", 0, []string{"create", "get"}, luaCreate + `
local get
function request()
  if n % 2 == 1 then
    n = n + 1
    get = get or wrk.format("GET", "/v1.0/linkedIn/invitations/" .. id, {["Authorization"] = "Bearer " .. token})
    return get
  end
  return create(false)
end`},
}

// newRequest makes one request of kind as its script does, to be sent to
// a server's address.
func newRequest(kind, prefix, id, token string) *http.Request {
	var req *http.Request
	switch kind {
	case "create", "keyed":
		req, _ = http.NewRequest(http.MethodPost, "http://server/v1.0/linkedIn/invitations",
			strings.NewReader(`{"invitee":"urn:li:person:`+prefix+`"}`))
		req.Header.Set("Content-Type", "application/json")
		if kind == "keyed" {
			req.Header.Set("Idempotency-Key", prefix)
		}
	case "get":
		req, _ = http.NewRequest(http.MethodGet, "http://server/v1.0/linkedIn/invitations/"+id, nil)
	case "list":
		req, _ = http.NewRequest(http.MethodGet, "http://server/v1.0/linkedIn/invitations?$top=50", nil)
	default:
		panic("newRequest: no request " + kind) // a mistake in this program
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// measurement is what one wrk run saw.
type measurement struct {
	rps      float64
	p50, p99 time.Duration
}

// wrk loads p for d with kind's requests and reads wrk's report.
func (b *bench) wrk(ctx context.Context, p *process, kind string, d time.Duration) (measurement, error) {
	script := filepath.Join(b.dir, kind+".lua")
	if err := os.WriteFile(script, []byte(requests[kind].script), 0o600); err != nil {
		return measurement{}, err
	}
	// wrk takes whole seconds.
	secs := max(1, int(math.Ceil(d.Seconds())))
	argv := []string{"wrk", "-t1", "-c", strconv.Itoa(b.cfg.connections), "-d", strconv.Itoa(secs) + "s",
		"--latency", "-s", script, "http://" + p.Addr, "--", fmt.Sprintf("w%d", b.nextRun()), b.token, p.seeded,
		strconv.FormatInt(time.Now().UnixMilli(), 10)}
	if b.cfg.loadCPU != "" {
		argv = append([]string{"taskset", "-c", b.cfg.loadCPU}, argv...)
	}
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return measurement{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	p.load += time.Duration(secs) * time.Second
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
	if m.rps == 0 || m.p50 == 0 || m.p99 == 0 {
		return m, fmt.Errorf("cannot read wrk's report:\n%s", out)
	}
	return m, nil
}

func parseLatency(s string) time.Duration {
	for _, unit := range []struct {
		suffix string
		scale  time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}} {
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

// median is each figure's median over the runs, taken apart: the median
// p99 need not be the median throughput's run's.
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
