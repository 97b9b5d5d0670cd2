package server

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// compilePattern is the validator's compiler of a schema's pattern
// (openapi3.SetSchemaRegexCompiler, see validationOptions). Most of
// openapi.yaml's patterns are a chain of characters and character classes,
// each repeated a fixed or bounded number of times, anchored at both ends:
// the id of every path's invitation or subscription (a UUID), a header's
// printable ASCII, a RateLimit field. Such a pattern is matched here by one
// pass over the string, where Go's regexp (even its one-pass matcher)
// spends about ten times as long: the UUID of a get by id cost 2% of a
// get's CPU. Every other pattern (alternations, groups, flags) is compiled
// as kin-openapi compiles it.
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	expr = goRegexp(expr)
	if m, ok := compileChain(expr); ok {
		return m, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err // not a nil *Regexp in a non-nil interface
	}
	return re, nil
}

// unicodeEscape is a JSON Schema \uXXXX escape, which Go's regexp spells
// \x{XXXX}.
var unicodeEscape = regexp.MustCompile(`\\u([0-9A-F]{4})`)

// goRegexp is expr as Go's regexp reads it: kin-openapi's own rewrite
// (openapi3.intoGoRegexp, not exported), which its default compiler applies.
func goRegexp(expr string) string {
	return unicodeEscape.ReplaceAllString(expr, `\x{$1}`)
}

// chain matches a pattern of the form ^x{m,n}y{m,n}...$, where each x, y is
// one character or a class of them: each link takes as many characters as
// it may, in turn, and never gives any back.
type chain []link

// link is one element of a chain: a set of characters, taken at least min
// and at most max (max < 0: without end) times.
type link struct {
	ascii    [2]uint64 // the set's characters below 0x80, a bit each
	ranges   []rune    // the whole set, as pairs of bounds (syntax's form)
	min, max int
}

func (l *link) has(r rune) bool {
	if r < utf8.RuneSelf {
		return l.ascii[r>>6]&(1<<(r&63)) != 0
	}
	for i := 0; i+1 < len(l.ranges); i += 2 {
		if r < l.ranges[i] {
			return false
		}
		if r <= l.ranges[i+1] {
			return true
		}
	}
	return false
}

// MatchString reports whether s matches the whole chain. Characters are
// decoded as Go's regexp decodes them: an invalid UTF-8 byte is U+FFFD.
func (c chain) MatchString(s string) bool {
	i := 0
	for k := range c {
		l := &c[k]
		n := 0
		for (l.max < 0 || n < l.max) && i < len(s) {
			r, w := rune(s[i]), 1
			if r >= utf8.RuneSelf {
				r, w = utf8.DecodeRuneInString(s[i:])
			}
			if !l.has(r) {
				break
			}
			i += w
			n++
		}
		if n < l.min {
			return false
		}
	}
	return i == len(s)
}

// compileChain returns expr as a chain, when it is one and taking greedily
// gives regexp's answer for every string: each link whose count may vary
// shares no character with what may follow it (the next link that must
// take one, and the optional links before that). A string the pattern
// matches is then taken by each link exactly as far as greed takes it: a
// character greed took that the match left to what follows would be in
// both sets.
func compileChain(expr string) (chain, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return nil, false
	}
	subs := re.Sub
	if subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil, false
	}
	var c chain
	for _, sub := range subs[1 : len(subs)-1] {
		links, ok := linksOf(sub)
		if !ok {
			return nil, false
		}
		c = append(c, links...)
	}
	for k := range c {
		if c[k].min == c[k].max {
			continue
		}
		for j := k + 1; j < len(c); j++ {
			if overlap(&c[k], &c[j]) {
				return nil, false
			}
			if c[j].min > 0 {
				break
			}
		}
	}
	return c, true
}

// linksOf is one element of a concatenation as links: a literal's
// characters, a class, or the repetition of one character or class.
func linksOf(re *syntax.Regexp) ([]link, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		links := make([]link, len(re.Rune))
		for i, r := range re.Rune {
			links[i] = newLink([]rune{r, r}, 1, 1)
		}
		return links, true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		ranges, ok := rangesOf(re)
		return []link{newLink(ranges, 1, 1)}, ok
	case syntax.OpRepeat, syntax.OpPlus, syntax.OpStar, syntax.OpQuest:
		if re.Flags&syntax.NonGreedy != 0 {
			return nil, false
		}
		ranges, ok := rangesOf(re.Sub[0])
		if !ok {
			return nil, false
		}
		lo, hi := re.Min, re.Max
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, -1
		case syntax.OpStar:
			lo, hi = 0, -1
		case syntax.OpQuest:
			lo, hi = 0, 1
		}
		return []link{newLink(ranges, lo, hi)}, true
	}
	return nil, false
}

// rangesOf is the set of characters re matches, when it matches exactly one.
func rangesOf(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 || re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []rune{re.Rune[0], re.Rune[0]}, true
	case syntax.OpCharClass:
		return re.Rune, true
	case syntax.OpAnyChar:
		return []rune{0, utf8.MaxRune}, true
	case syntax.OpAnyCharNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, utf8.MaxRune}, true
	}
	return nil, false
}

func newLink(ranges []rune, lo, hi int) link {
	l := link{ranges: ranges, min: lo, max: hi}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < utf8.RuneSelf; r++ {
			l.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	return l
}

// overlap reports whether two links' sets share a character.
func overlap(a, b *link) bool {
	for i := 0; i+1 < len(a.ranges); i += 2 {
		for j := 0; j+1 < len(b.ranges); j += 2 {
			if a.ranges[i] <= b.ranges[j+1] && b.ranges[j] <= a.ranges[i+1] {
				return true
			}
		}
	}
	return false
}
