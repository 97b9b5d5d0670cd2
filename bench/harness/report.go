package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report prints the results as Markdown, with the machine, the method and
// the load on the machine, ready for BENCHMARKS.md: the servers, every
// series with its ratio to the bare baseline, and issue 13's targets.
func report(w io.Writer, cfg config, chosen []scenario, res results, loadBefore, loadAfter string) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n%s, %s, %d CPUs, %s, host %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.Version(), host)
	fmt.Fprintf(w, "wrk -t1 -c%d, %d rounds of %s per series, servers on CPU %s with GOMAXPROCS=1, wrk on CPU %s\n",
		cfg.connections, cfg.rounds, cfg.duration, orAny(cfg.serverCPU), orAny(cfg.loadCPU))
	fmt.Fprintf(w, "load average (1, 5, 15 min): %s before, %s after\n\n", loadBefore, loadAfter)

	fmt.Fprintln(w, "| server | what it is | load | RSS after |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, s := range res.servers {
		fmt.Fprintf(w, "| %s | %s | %.0f s | %.0f MiB |\n", s.name, serverNamed(s.name).about, s.load.Seconds(), s.rssMiB)
	}

	fmt.Fprintln(w, "\n| scenario | server | request | req/s | p50 | p99 | ratio to the bare baseline |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, sc := range chosen {
		for _, s := range sc.series {
			m, ok := res.medians[s]
			if !ok {
				continue
			}
			ratio := "–"
			if base, ok := res.medians[series{baseline, baselineRequest(s.request)}]; ok {
				ratio = fmt.Sprintf("%.2f", m.rps/base.rps)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %s | %s |\n",
				sc.name, s.server, requests[s.request].name, m.rps, ms(m.p50), ms(m.p99), ratio)
		}
	}

	fmt.Fprintln(w, "\n| target | measured | reference | ratio | bound | |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, v := range judge(res) {
		if !v.ran {
			fmt.Fprintf(w, "| %s | %s | %s | | | not run |\n", v.name, v.measuredText, v.referenceText)
			continue
		}
		bound, verdict := "≥ ", "**missed**"
		if v.atMost {
			bound = "≤ "
		}
		if v.met {
			verdict = "met"
		}
		fmt.Fprintf(w, "| %s | %s | %s | **%s** | %s%s | %s |\n",
			v.name, v.measuredText, v.referenceText, v.format(v.value), bound, v.format(v.bound), verdict)
	}
}

// baselineRequest is the bare baseline's request a series compares with.
func baselineRequest(request string) string {
	if request == "keyed" {
		return "create"
	}
	return request
}

func orAny(cpus string) string {
	if cpus == "" {
		return "any (not pinned)"
	}
	return cpus
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// loadAverage is the machine's load average, as uptime shows it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}

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
