package main

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// series is one kind of request against one server: a row of the report.
type series struct{ server, request string }

func (s series) String() string { return s.server + " " + s.request }

// scenario is a set of series loaded in alternation: each round loads
// every series once, in an order that rotates from round to round, so that
// whatever else the machine is doing falls on each alike.
type scenario struct {
	name   string // for -scenarios
	about  string
	series []series
}

// memoryScenario reads the full stack's resident memory once it has had
// cfg.memoryAfter of load (the other scenarios' load counts; it adds the
// rest with mixed creates and gets). It runs after the others.
const memoryScenario = "memory"

var scenarios = []scenario{
	{"create", "creates over an in-memory store: the HTTP layer against the stock generated stack",
		[]series{{baseline, "create"}, {stock, "create"}, {httpLayer, "create"}}},
	{"get", "gets by id: the HTTP layer against the stock stack; the full stack against the bare baseline and the bare SQLite get",
		[]series{{baseline, "get"}, {stock, "get"}, {httpLayer, "get"}, {bareSQLite, "get"}, {fullStack, "get"}}},
	{"list", "a page of 50, the full stack against the bare baseline",
		[]series{{baseline, "list"}, {fullStack, "list"}}},
	{"durable", "durable creates: the full stack against the bare SQLite create, keyed against unkeyed",
		[]series{{bareSQLite, "create"}, {fullStack, "create"}, {fullStack, "keyed"}}},
	{memoryScenario, "the full stack's resident memory after a minute of load", []series{{fullStack, "mixed"}}},
}

// choose returns the scenarios named (all when names is empty), in the
// order above.
func choose(names []string) ([]scenario, error) {
	if len(names) == 0 {
		return scenarios, nil
	}
	var chosen []scenario
	for _, sc := range scenarios {
		if slices.Contains(names, sc.name) {
			chosen = append(chosen, sc)
		}
	}
	for _, name := range names {
		if !slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.name == name }) {
			return nil, fmt.Errorf("-scenarios: no scenario %q (there are %s)", name, scenarioNames())
		}
	}
	return chosen, nil
}

func scenarioNames() []string {
	var names []string
	for _, sc := range scenarios {
		names = append(names, sc.name)
	}
	return names
}

// results are a run's medians, by series, and the full stack's memory.
type results struct {
	medians map[series]measurement
	memory  *memoryReading // nil when the memory scenario did not run
	servers []serverLoad   // what each server had had at the end
}

type memoryReading struct {
	rssMiB float64
	load   time.Duration
}

type serverLoad struct {
	name   string
	load   time.Duration
	rssMiB float64
}

// runAll starts every server the chosen scenarios need (each once, for the
// whole run), runs the scenarios in order, and stops the servers.
func (b *bench) runAll(ctx context.Context, chosen []scenario) (results, error) {
	res := results{medians: map[series]measurement{}}
	var names []string
	seeds := 10
	for _, sc := range chosen {
		for _, s := range sc.series {
			if !slices.Contains(names, s.server) {
				names = append(names, s.server)
			}
			if s.request == "list" {
				seeds = 1000
			}
		}
	}
	if err := b.build(ctx, names); err != nil {
		return res, err
	}
	b.running = map[string]*process{}
	defer b.stopAll()
	for _, name := range names {
		fmt.Fprintf(b.log, "harness: starting %s and creating %d invitations in it\n", name, seeds)
		if err := b.start(name, seeds); err != nil {
			return res, err
		}
	}
	for _, sc := range chosen {
		if err := b.check(sc.series); err != nil {
			return res, err
		}
	}
	for _, sc := range chosen {
		if sc.name == memoryScenario {
			m, err := b.memory(ctx)
			if err != nil {
				return res, err
			}
			res.memory = &m
			continue
		}
		if err := b.runScenario(ctx, sc, res.medians); err != nil {
			return res, err
		}
	}
	for _, name := range names {
		p := b.running[name]
		res.servers = append(res.servers, serverLoad{name, p.load, p.rssMiB()})
	}
	return res, nil
}

// runScenario loads the scenario's series in alternation, cfg.rounds
// times, and records each one's medians.
func (b *bench) runScenario(ctx context.Context, sc scenario, medians map[series]measurement) error {
	runs := map[series][]measurement{}
	n := len(sc.series)
	for round := range b.cfg.rounds {
		for i := range n {
			s := sc.series[(round+i)%n]
			fmt.Fprintf(b.log, "harness: %s, round %d of %d: %s\n", sc.name, round+1, b.cfg.rounds, s)
			m, err := b.wrk(ctx, b.running[s.server], s.request, b.cfg.duration)
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			runs[s] = append(runs[s], m)
		}
	}
	for s, ms := range runs {
		medians[s] = median(ms)
	}
	return nil
}

// memory loads the full stack with mixed creates and gets until it has
// had cfg.memoryAfter of load in all, then reads its resident memory.
func (b *bench) memory(ctx context.Context) (memoryReading, error) {
	p := b.running[fullStack]
	if rest := b.cfg.memoryAfter - p.load; rest > 0 {
		fmt.Fprintf(b.log, "harness: memory: %s of mixed load on %s\n", rest.Round(time.Second), fullStack)
		if _, err := b.wrk(ctx, p, "mixed", rest); err != nil {
			return memoryReading{}, fmt.Errorf("memory: %w", err)
		}
	}
	return memoryReading{rssMiB: p.rssMiB(), load: p.load}, nil
}
