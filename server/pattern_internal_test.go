package server

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/graph-linkedin/invitations/gen"
)

// specPatterns are the patterns of openapi.yaml's schemas.
func specPatterns(t testing.TB) []string {
	var doc any
	if err := json.Unmarshal(gen.SpecJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if p, ok := sub.(string); ok && k == "pattern" && !slices.Contains(found, p) {
					found = append(found, p)
				}
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(doc)
	slices.Sort(found)
	return found
}

const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// patternSeeds are strings near what the patterns take and refuse.
var patternSeeds = []string{
	"", "a", "-", "\n", "\x00", "\xff", "é", "\u2028",
	"2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b", "2F3A4B5C-6D7E-4F80-9A1B-2C3D4E5F6A7B",
	"2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7", "2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b0", "2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7g",
	"2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b\n", "2f3a4b5c6d7e4f809a1b2c3d4e5f6a7b",
	"urn:li:person:abc_DEF-123", "urn:li:person:", "urn:li:person:a b", "urn:li:email:a@b.c", "urn:li:email:a@b",
	"urn:li:emailAddress:x", "urn:li:phoneAccount:9", "urn:li:person:é",
	`"default";q=200;w=2`, `"default";r=199;t=1`, `"default";q=1234567890123456;w=2`, `"default";q=;w=2`,
	"created", "created,updated", "created,updated,deleted,created", "created,", "updated,deleted",
	"printable ~", "tab\there", "key-01HZX", " lead", "trail ", "\x7f",
}

// TestSpecPatternsAsRegexp: every pattern in openapi.yaml, compiled by
// compilePattern, answers as Go's regexp (kin-openapi's compiler) does for
// every seed, and the patterns of a request's ids and headers take the
// chain's path.
func TestSpecPatternsAsRegexp(t *testing.T) {
	patterns := specPatterns(t)
	if len(patterns) < 5 {
		t.Fatalf("openapi.yaml has %d patterns; want the ids', the headers' and the URNs'", len(patterns))
	}
	for _, p := range patterns {
		m, err := compilePattern(p)
		if err != nil {
			t.Fatalf("compilePattern(%q): %v", p, err)
		}
		re := regexp.MustCompile(goRegexp(p))
		for _, s := range patternSeeds {
			if got, want := m.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("compilePattern(%q).MatchString(%q) = %v; regexp says %v", p, s, got, want)
			}
		}
	}
	for _, p := range []string{uuidPattern, `^[\x20-\x7E]+$`, `^[\x21-\x7E]+$`,
		`^"default";q=[0-9]{1,15};w=[0-9]{1,15}$`, `^urn:li:person:[A-Za-z0-9_-]+$`} {
		if !slices.Contains(patterns, p) {
			t.Errorf("openapi.yaml no longer has the pattern %q; update this test", p)
		}
		if m, _ := compilePattern(p); !isChain(m) {
			t.Errorf("compilePattern(%q) is %T; want a chain", p, m)
		}
	}
}

func isChain(m any) bool {
	_, ok := m.(chain)
	return ok
}

// TestCompileChain: what is a chain, and what must not be one because
// taking greedily would answer otherwise than regexp.
func TestCompileChain(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		chain bool
	}{
		{`^abc$`, true},
		{`^$`, true},
		{`^[a-z]+[0-9]?X$`, true},
		{`^\d{2,}$`, true},
		{`^.*$`, true},
		{`^a?b*c+$`, true},
		{`^a*a$`, false},               // the star would take the last a
		{`^[a-z]+[0-9]?[a-c]$`, false}, // the optional link lets the class meet the one after it
		{`^x{1,3}x$`, false},
		{`^x{3}x$`, true}, // a fixed count has no choice to make
		{`abc$`, false},   // not anchored at the start
		{`^abc`, false},   // nor at the end
		{`^(?i)abc$`, false},
		{`^a+?$`, false},
		{`^(ab)+$`, false},
		{`^a|b$`, false},
		{`^(person|email)$`, false},
		{`^urn:li:email:[^\s@]+@[^\s@]+\.[^\s@]+$`, false}, // the dot is in [^\s@]
		{`^[`, false},
	} {
		_, got := compileChain(tc.expr)
		if got != tc.chain {
			t.Errorf("compileChain(%q) ok = %v; want %v", tc.expr, got, tc.chain)
		}
	}
}

// FuzzPattern: whenever compileChain takes a pattern, its chain answers as
// Go's regexp does.
func FuzzPattern(f *testing.F) {
	exprs := append(specPatterns(f), `^a?b*c+$`, `^[a-z]+[0-9]?X$`, `^.*$`, `^\d{2,5}-\w+$`, `^[^\s@]+@x$`, `^é{2}[\x{100}-\x{10FFFF}]*$`)
	for i, e := range exprs {
		f.Add(e, patternSeeds[i%len(patternSeeds)])
		f.Add(e, patternSeeds[(i*7+3)%len(patternSeeds)])
	}
	f.Fuzz(func(t *testing.T, expr, s string) {
		c, ok := compileChain(expr)
		if !ok {
			return
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			t.Fatalf("compileChain took %q, which regexp refuses: %v", expr, err)
		}
		if got, want := c.MatchString(s), re.MatchString(s); got != want {
			t.Fatalf("chain of %q matches %q: %v; regexp says %v", expr, s, got, want)
		}
	})
}

// BenchmarkPattern: the id's UUID, by the chain and by Go's regexp.
func BenchmarkPattern(b *testing.B) {
	id := "2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b"
	c, _ := compileChain(uuidPattern)
	re := regexp.MustCompile(uuidPattern)
	b.Run("chain", func(b *testing.B) {
		for b.Loop() {
			if !c.MatchString(id) {
				b.Fatal("no match")
			}
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			if !re.MatchString(id) {
				b.Fatal("no match")
			}
		}
	})
}
