package main

import "fmt"

// target is one of issue 13's targets: a ratio of a measured series to its
// reference, both measured in the same run, and the bound it must meet.
type target struct {
	name                string
	measured, reference series
	// ratio computes the figure from the two medians.
	ratio func(measured, reference measurement) float64
	// bound is the ratio's limit; atMost says on which side it is met.
	bound  float64
	atMost bool
}

// throughput is the measured series' requests per second over the
// reference's.
func throughput(m, ref measurement) float64 { return m.rps / ref.rps }

// p99 is the measured series' 99th percentile latency over the
// reference's.
func p99(m, ref measurement) float64 { return float64(m.p99) / float64(ref.p99) }

// cost is a measured request's time over a reference request's, on one
// server: the reference's throughput over the measured series'.
func cost(m, ref measurement) float64 { return ref.rps / m.rps }

// maxRSSMiB is target 5: the full stack's resident memory after a minute
// of load.
const maxRSSMiB = 100

var targets = []target{
	{"1. HTTP layer create: req/s ≥ 1.00 × the stock stack's", series{httpLayer, "create"}, series{stock, "create"},
		throughput, 1.00, false},
	{"1. HTTP layer get: req/s ≥ 1.00 × the stock stack's", series{httpLayer, "get"}, series{stock, "get"},
		throughput, 1.00, false},
	{"2. durable create: req/s ≥ 0.90 × the bare SQLite create's", series{fullStack, "create"}, series{bareSQLite, "create"},
		throughput, 0.90, false},
	{"2. durable create: p99 ≤ 1.20 × the bare SQLite create's", series{fullStack, "create"}, series{bareSQLite, "create"},
		p99, 1.20, true},
	{"3. full-stack get: req/s ≥ 0.70 × the bare baseline's", series{fullStack, "get"}, series{baseline, "get"},
		throughput, 0.70, false},
	{"4. keyed create: time per request ≤ 1.10 × an unkeyed one's (durable; unkeyed req/s over keyed)",
		series{fullStack, "keyed"}, series{fullStack, "create"}, cost, 1.10, true},
}

// verdict is one target's line in the report.
type verdict struct {
	target
	ran   bool    // false when a series of it was not measured
	value float64 // the ratio (target 5: MiB)
	met   bool
	// measuredText and referenceText say what was compared, with the
	// medians when it ran.
	measuredText, referenceText string
	// format writes value and bound.
	format func(float64) string
}

// judge computes every target from a run's results.
func judge(res results) []verdict {
	var vs []verdict
	ratio := func(f float64) string { return fmt.Sprintf("%.2f", f) }
	for _, t := range targets {
		m, okM := res.medians[t.measured]
		ref, okR := res.medians[t.reference]
		v := verdict{target: t, ran: okM && okR, format: ratio,
			measuredText: t.measured.String(), referenceText: t.reference.String()}
		if v.ran {
			v.value = t.ratio(m, ref)
			v.met = v.value >= t.bound
			if t.atMost {
				v.met = v.value <= t.bound
			}
			v.measuredText += ": " + figures(m)
			v.referenceText += ": " + figures(ref)
		}
		vs = append(vs, v)
	}
	mem := verdict{target: target{name: fmt.Sprintf("5. full stack's resident memory after 60 s of load ≤ %d MiB", maxRSSMiB),
		measured: series{fullStack, "mixed"}, bound: maxRSSMiB, atMost: true},
		measuredText: fullStack + " VmRSS", referenceText: "the bound",
		format: func(f float64) string { return fmt.Sprintf("%.0f MiB", f) }}
	if r := res.memory; r != nil {
		mem.ran, mem.value, mem.met = true, r.rssMiB, r.rssMiB <= maxRSSMiB
		mem.measuredText = fmt.Sprintf("%s VmRSS after %.0f s of load", fullStack, r.load.Seconds())
	}
	return append(vs, mem)
}

func figures(m measurement) string { return fmt.Sprintf("%.0f req/s, p99 %s", m.rps, ms(m.p99)) }
