package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const wrkReport = `Running 5s test @ http://127.0.0.1:40001
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.29ms    2.71ms  48.85ms   96.48%
    Req/Sec    27.17k     2.02k   29.86k    88.00%
  Latency Distribution
     50%  802.00us
     75%    1.05ms
     90%    1.47ms
     99%   14.93ms
  135215 requests in 5.00s, 61.77MB read
Requests/sec:  27031.87
Transfer/sec:     12.35MB
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk([]byte(wrkReport))
	want := measurement{rps: 27031.87, p50: 802 * time.Microsecond, p99: 14930 * time.Microsecond}
	if err != nil || got != want {
		t.Errorf("parseWrk(a report) = %+v, %v; want %+v", got, err, want)
	}
	failed := strings.Replace(wrkReport, "Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec", 1)
	if _, err := parseWrk([]byte(failed)); err == nil {
		t.Errorf("parseWrk(a report with non-2xx responses) = nil error; want one")
	}
	if _, err := parseWrk([]byte("unable to connect to 127.0.0.1:1 Connection refused\n")); err == nil {
		t.Errorf("parseWrk(no report) = nil error; want one")
	}
}

func TestMedian(t *testing.T) {
	ms := []measurement{
		{rps: 300, p50: 3 * time.Millisecond, p99: 1 * time.Millisecond},
		{rps: 100, p50: 1 * time.Millisecond, p99: 9 * time.Millisecond},
		{rps: 200, p50: 2 * time.Millisecond, p99: 5 * time.Millisecond},
	}
	want := measurement{rps: 200, p50: 2 * time.Millisecond, p99: 5 * time.Millisecond}
	if got := median(ms); got != want {
		t.Errorf("median(%+v) = %+v; want %+v", ms, got, want)
	}
}

func TestChoose(t *testing.T) {
	got, err := choose([]string{"durable", "get"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range got {
		names = append(names, sc.name)
	}
	if want := []string{"get", "durable"}; !cmp.Equal(names, want) {
		t.Errorf("choose(durable, get) = %v; want %v (the harness's order)", names, want)
	}
	if all, _ := choose(nil); len(all) != len(scenarios) {
		t.Errorf("choose(nil) = %d scenarios; want all %d", len(all), len(scenarios))
	}
	if _, err := choose([]string{"gets"}); err == nil {
		t.Errorf("choose(gets) = nil error; want one naming the scenarios there are")
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig([]string{"-scenarios", "create, memory", "-duration", "2s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"create", "memory"}; !cmp.Equal(cfg.scenarios, want) || cfg.duration != 2*time.Second {
		t.Errorf("parseConfig(-scenarios 'create, memory' -duration 2s) = %v, %v; want %v, 2s", cfg.scenarios, cfg.duration, want)
	}
	if _, err := parseConfig([]string{"-duration", "500ms"}, io.Discard); err == nil {
		t.Errorf("parseConfig(-duration 500ms) = nil error; want one (wrk takes whole seconds)")
	}
}

// Every target comes from its two series' medians; one whose series did
// not run says so.
func TestJudge(t *testing.T) {
	ms := time.Millisecond
	res := results{medians: map[series]measurement{
		{httpLayer, "create"}:  {rps: 800, p99: 2 * ms},
		{stock, "create"}:      {rps: 1000, p99: 2 * ms},
		{fullStack, "create"}:  {rps: 950, p99: 13 * ms},
		{bareSQLite, "create"}: {rps: 1000, p99: 10 * ms},
		{fullStack, "keyed"}:   {rps: 900, p99: 13 * ms},
	}, memory: &memoryReading{rssMiB: 40, load: time.Minute}}
	type row struct {
		Name     string
		Ran, Met bool
		Value    float64
	}
	var got []row
	for _, v := range judge(res) {
		got = append(got, row{v.name[:2], v.ran, v.met, float64(int(v.value*1000+0.5)) / 1000})
	}
	want := []row{
		{"1.", true, false, 0.8},  // http-layer create 800 / stock 1000 < 1.00
		{"1.", false, false, 0},   // no get ran
		{"2.", true, true, 0.95},  // 950 / 1000 ≥ 0.90
		{"2.", true, false, 1.3},  // p99 13 ms / 10 ms > 1.20
		{"3.", false, false, 0},   // no get ran
		{"4.", true, true, 1.056}, // unkeyed 950 / keyed 900 ≤ 1.10
		{"5.", true, true, 40},    // 40 MiB ≤ 100
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("judge(results) mismatch (-want +got):\n%s", diff)
	}

	var out bytes.Buffer
	report(&out, config{rounds: 3, duration: 5 * time.Second, connections: 32, serverCPU: "0", loadCPU: "1"},
		scenarios, res, "1.00, 1.00, 1.00", "2.00, 1.00, 1.00")
	for _, line := range []string{
		"| create | http-layer | create | 800 | 0.00 ms | 2.00 ms | – |",
		"| 1. HTTP layer get: req/s ≥ 1.00 × the stock stack's | http-layer get | stock get | | | not run |",
		"| **0.95** | ≥ 0.90 | met |",
		"| **40 MiB** | ≤ 100 MiB | met |",
		"load average (1, 5, 15 min): 1.00, 1.00, 1.00 before, 2.00, 1.00, 1.00 after",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("the report lacks %q:\n%s", line, out.String())
		}
	}
}

// Every server starts with the flags the harness gives it and answers
// every series' request as its wrk script must be answered: what a
// measurement needs, without wrk. (The servers are not pinned here.)
func TestServersAnswer(t *testing.T) {
	b, done, err := newBench(config{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer done(t.Failed())
	ctx := context.Background()
	var names []string
	for _, s := range servers {
		names = append(names, s.name)
	}
	if err := b.build(ctx, names); err != nil {
		t.Fatal(err)
	}
	b.running = map[string]*process{}
	defer b.stopAll()
	for _, name := range names {
		if err := b.start(name, 3); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range scenarios {
		if err := b.check(sc.series); err != nil {
			t.Errorf("scenario %s: %v", sc.name, err)
		}
	}
}
