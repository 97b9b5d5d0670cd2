package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// goroutineSlack is how many more goroutines than before the load the idle
// server may have after it (a database connection opened meanwhile, say).
const goroutineSlack = 8

// sample is the server's state at one moment of the load.
type sample struct {
	at         time.Duration // since the load began
	rss        int64         // resident memory, bytes
	heap       int64         // Go heap in use, bytes
	goroutines int
	fds        int
	requests   int64 // sent so far
	errors     int64
}

// result is what the soak saw.
type result struct {
	start, end            time.Time
	requests, errors      int64
	latencies             [numOps][]time.Duration
	failures              []string
	samples               []sample
	idleBefore, idleAfter int // the idle server's goroutines, before and after the load
	problems              []string
}

// watch samples the server every cfg.sample until ctx ends, printing each
// sample.
func (r *result) watch(ctx context.Context, cfg config, p *daemon.Process, total *counters, stdout io.Writer) {
	tick := time.NewTicker(cfg.sample)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s := sample{at: time.Since(r.start), requests: total.requests.Load(), errors: total.errors.Load()}
		var err error
		if s.rss, err = p.RSS(); err != nil {
			r.problems = append(r.problems, fmt.Sprintf("reading the server's memory: %v", err))
			return
		}
		m, err := scrape(p.MetricsAddr)
		if err != nil {
			r.problems = append(r.problems, fmt.Sprintf("reading /metrics: %v", err))
			return
		}
		s.heap, s.goroutines, s.fds = int64(m["go_memstats_heap_inuse_bytes"]), int(m["go_goroutines"]), int(m["process_open_fds"])
		r.samples = append(r.samples, s)
		var prev sample
		if n := len(r.samples); n > 1 {
			prev = r.samples[n-2]
		}
		rate := float64(s.requests-prev.requests) / (s.at - prev.at).Seconds()
		fmt.Fprintf(stdout, "  %6s  rss %6.1f MiB  heap %5.1f MiB  goroutines %4d  fds %4d  requests %8d (%5.0f/s)  errors %d\n",
			s.at.Round(time.Second), mib(s.rss), mib(s.heap), s.goroutines, s.fds, s.requests, rate, s.errors)
	}
}

// idleGoroutines waits up to limit for the server's goroutines to number at
// most atMost (any number, when atMost is 0), and returns the last count,
// which may be more.
func idleGoroutines(p *daemon.Process, atMost int, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	for {
		m, err := scrape(p.MetricsAddr)
		if err != nil {
			return 0, err
		}
		n := int(m["go_goroutines"])
		if atMost == 0 || n <= atMost || time.Now().After(deadline) {
			return n, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scrape reads the unlabelled series of the server's /metrics.
func scrape(addr string) (map[string]float64, error) {
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: status %d", res.StatusCode)
	}
	m := map[string]float64{}
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		name, value, ok := strings.Cut(lines.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			m[name] = f
		}
	}
	return m, lines.Err()
}

// check decides the soak: no errors; the resident memory's peak in the last
// third of the time after the warm-up no more than cfg.tolerance above its
// peak in the first third; the goroutines back to their idle number.
func (r *result) check(cfg config) {
	if r.errors > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d of %d requests failed", r.errors, r.requests))
	}
	if r.requests == 0 {
		r.problems = append(r.problems, "no requests were sent")
	}
	measured := r.measured(cfg)
	if len(measured) < 3 {
		r.problems = append(r.problems, fmt.Sprintf("%d memory samples after the warm-up; want 3 or more (a longer -duration or a shorter -sample)", len(measured)))
	} else {
		first, last := thirds(measured)
		if growth := float64(last)/float64(first) - 1; growth > cfg.tolerance {
			r.problems = append(r.problems, fmt.Sprintf("resident memory grew: its peak was %.1f MiB early on, %.1f MiB at the end (+%.0f%%, more than %.0f%%)",
				mib(first), mib(last), 100*growth, 100*cfg.tolerance))
		}
	}
	if r.idleAfter > r.idleBefore+goroutineSlack {
		r.problems = append(r.problems, fmt.Sprintf("the idle server has %d goroutines after the load, %d before it", r.idleAfter, r.idleBefore))
	}
}

// measured are the samples after the warm-up.
func (r *result) measured(cfg config) []sample {
	for i, s := range r.samples {
		if s.at >= cfg.warmup {
			return r.samples[i:]
		}
	}
	return nil
}

// thirds returns the peak resident memory of the first third of samples
// and of the last third.
func thirds(samples []sample) (first, last int64) {
	n := max(1, len(samples)/3)
	peak := func(ss []sample) int64 {
		var p int64
		for _, s := range ss {
			p = max(p, s.rss)
		}
		return p
	}
	return peak(samples[:n]), peak(samples[len(samples)-n:])
}

// trend is the least-squares slope of the resident memory, in MiB per
// minute.
func trend(samples []sample) float64 {
	if len(samples) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, s := range samples {
		x, y := s.at.Minutes(), mib(s.rss)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(samples))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// report prints the soak's numbers.
func (r *result) report(w io.Writer, cfg config) {
	elapsed := r.end.Sub(r.start)
	fmt.Fprintf(w, "\nsoak: %v, %d requests (%.0f/s), %d errors\n", elapsed.Round(time.Second), r.requests,
		float64(r.requests)/elapsed.Seconds(), r.errors)
	for _, f := range r.failures {
		fmt.Fprintln(w, "  failure:", f)
	}
	fmt.Fprintf(w, "  %-7s %9s %9s %9s\n", "request", "count", "p50", "p99")
	for k := range numOps {
		ls := slices.Clone(r.latencies[k])
		slices.Sort(ls)
		fmt.Fprintf(w, "  %-7s %9d %9s %9s\n", ops[k].name, len(ls), percentile(ls, 0.50), percentile(ls, 0.99))
	}
	if len(r.samples) > 0 {
		peak := slices.MaxFunc(r.samples, func(a, b sample) int { return int(a.rss - b.rss) })
		fmt.Fprintf(w, "  resident memory: start %.1f MiB, peak %.1f MiB (at %v), end %.1f MiB\n",
			mib(r.samples[0].rss), mib(peak.rss), peak.at.Round(time.Second), mib(r.samples[len(r.samples)-1].rss))
	}
	if measured := r.measured(cfg); len(measured) >= 3 {
		first, last := thirds(measured)
		fmt.Fprintf(w, "  after the %v warm-up: peak %.1f MiB in the first third, %.1f MiB in the last (%+.1f%%; allowed +%.0f%%); trend %+.2f MiB/min\n",
			cfg.warmup, mib(first), mib(last), 100*(float64(last)/float64(first)-1), 100*cfg.tolerance, trend(measured))
		heapFirst, heapLast := measured[0].heap, measured[len(measured)-1].heap
		fmt.Fprintf(w, "  Go heap in use after the warm-up: %.1f MiB first, %.1f MiB last\n", mib(heapFirst), mib(heapLast))
	}
	fmt.Fprintf(w, "  goroutines of the idle server: %d before the load, %d after\n", r.idleBefore, r.idleAfter)
}

func percentile(sorted []time.Duration, q float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	d := sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
	return d.Round(10 * time.Microsecond).String()
}
