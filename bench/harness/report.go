package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report prints the results as a Markdown table, with the machine and the
// command, ready for BENCHMARKS.md.
func report(w io.Writer, cfg config, results []result) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n%s, %s, %d CPUs, %s, host %s\n", time.Now().UTC().Format(time.DateOnly), cpuModel(), runtime.NumCPU(), runtime.Version(), host)
	fmt.Fprintf(w, "wrk -t1 -c%d, %d rounds of %s per server, servers on CPU %s, wrk on CPU %s\n\n",
		cfg.connections, cfg.rounds, cfg.duration, cfg.serverCPU, cfg.loadCPU)
	fmt.Fprintln(w, "| scenario | baseline req/s | invitationsd req/s | ratio | p50 | p99 | baseline p50 / p99 | RSS after |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | **%.2f** | %s | %s | %s / %s | %.0f MiB after %.0f s of load |\n",
			r.scenario.name, r.baseline.rps, r.measured.rps, r.measured.rps/r.baseline.rps,
			ms(r.measured.p50), ms(r.measured.p99), ms(r.baseline.p50), ms(r.baseline.p99), r.rssMiB, r.loadSeconds)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func cpuModel() string {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(info)) {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}
