package odata

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind is the kind of a $filter token.
type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokIdent            // a name: property, keyword, operator or function
	tokString           // a single-quoted string; str holds its value
	tokInt              // a decimal integer, maybe negative; num holds it
	tokLParen
	tokRParen
	tokError // what the lexer could not read; err says why
)

// token is one lexeme of a $filter expression.
type token struct {
	kind  tokenKind
	off   int    // byte offset of its first character
	text  string // as written
	str   string
	num   int64
	space bool // whitespace or the start of input comes right before it
	err   error
}

// lexer splits a $filter expression into tokens on demand. It reports a
// bad character as a tokError rather than failing at once, so the parser,
// which may look one token ahead, can still report the earlier mistake.
type lexer struct {
	src string
	off int
}

// next returns the next token; after the end it keeps returning tokEOF.
func (l *lexer) next() token {
	start := l.off
	for l.off < len(l.src) && (l.src[l.off] == ' ' || l.src[l.off] == '\t') {
		l.off++
	}
	t := token{off: l.off, space: l.off > start || l.off == 0}
	if l.off == len(l.src) {
		t.kind = tokEOF
		return t
	}
	switch c := l.src[l.off]; {
	case c == '(':
		t.kind, t.text = tokLParen, "("
		l.off++
	case c == ')':
		t.kind, t.text = tokRParen, ")"
		l.off++
	case c == '\'':
		l.string(&t)
	case c == '-' || isDigit(c):
		l.number(&t)
	case isLetter(c):
		end := l.off + 1
		for end < len(l.src) && (isLetter(l.src[end]) || isDigit(l.src[end])) {
			end++
		}
		t.kind, t.text = tokIdent, l.src[l.off:end]
		l.off = end
	default:
		r, _ := utf8.DecodeRuneInString(l.src[l.off:])
		l.fail(&t, "unexpected character %s at position %d", quote(string(r)), position(l.src, l.off))
	}
	return t
}

// string reads a string literal, in which a doubled quote stands for one.
func (l *lexer) string(t *token) {
	var b strings.Builder
	i := l.off + 1
	for {
		j := strings.IndexByte(l.src[i:], '\'')
		if j < 0 {
			l.fail(t, "unterminated string starting at position %d; close it with ' (write '' for a quote inside it)",
				position(l.src, t.off))
			return
		}
		// No stored value can hold NUL (PostgreSQL text cannot), and a
		// driver would reject it later as a server error.
		if k := strings.IndexByte(l.src[i:i+j], 0); k >= 0 {
			l.fail(t, "NUL character in string at position %d", position(l.src, i+k))
			return
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if i < len(l.src) && l.src[i] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		break
	}
	t.kind, t.text, t.str = tokString, l.src[l.off:i], b.String()
	l.off = i
}

// number reads a decimal integer that fits in int64.
func (l *lexer) number(t *token) {
	i := l.off
	if l.src[i] == '-' {
		i++
	}
	digits := i
	for i < len(l.src) && isDigit(l.src[i]) {
		i++
	}
	if i == digits {
		l.fail(t, "unexpected character '-' at position %d", position(l.src, l.off))
		return
	}
	// Dates, decimals and suffixes glued to the digits: report the whole
	// word, since "2024-01-01T00:00:00Z" is one mistake, not several.
	if i < len(l.src) && (isLetter(l.src[i]) || strings.IndexByte(".-:+", l.src[i]) >= 0) {
		end := i
		for end < len(l.src) && strings.IndexByte(" \t()", l.src[end]) < 0 {
			end++
		}
		l.fail(t, "malformed number %s at position %d; write an integer (times are epoch milliseconds)",
			quote(l.src[l.off:end]), position(l.src, l.off))
		return
	}
	text := l.src[l.off:i]
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		l.fail(t, "number %s at position %d is out of range", quote(text), position(l.src, l.off))
		return
	}
	t.kind, t.text, t.num = tokInt, text, n
	l.off = i
}

// fail turns t into an error token and stops the lexer at the end of
// input, since nothing after an unreadable token can be trusted.
func (l *lexer) fail(t *token, format string, args ...any) {
	t.kind, t.err = tokError, invalid("$filter", format, args...)
	t.text = ""
	l.off = len(l.src)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
