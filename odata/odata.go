// Package odata parses the OData system query options the invitations list
// supports ($filter, $orderby, $select) and encodes its opaque $skiptoken.
//
// Every error it returns is an *invitations.Error of kind ErrInvalid whose
// Target is the option at fault and whose Message starts with the option's
// name, says what is wrong and where (1-based character positions), and
// quotes at most a short piece of the input, so the message can go back to
// the caller as it is.
package odata

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/graph-linkedin/invitations"
)

// maxLen bounds each option, in bytes: far more than any honest query
// needs, and it caps the work (and the recursion) one request can cause.
const maxLen = 4096

// maxQuote is how many characters of the input a message may repeat, so a
// huge or hostile input cannot make a huge error body.
const maxQuote = 32

// invalid returns the ErrInvalid error about option.
func invalid(option, format string, args ...any) error {
	return invitations.Invalidf(option, format, args...)
}

// checkText applies the limits every option shares: its length, and valid
// UTF-8 (a database would refuse invalid text later, as a server error).
func checkText(option, s string) error {
	if len(s) > maxLen {
		return invalid(option, "longer than %d bytes", maxLen)
	}
	if utf8.ValidString(s) {
		return nil
	}
	for off := 0; off < len(s); {
		r, size := utf8.DecodeRuneInString(s[off:])
		if r == utf8.RuneError && size == 1 {
			return invalid(option, "invalid UTF-8 at position %d", position(s, off))
		}
		off += size
	}
	return nil
}

// position converts a byte offset into the 1-based character position a
// person counting along the query string would find.
func position(s string, off int) int { return utf8.RuneCountInString(s[:off]) + 1 }

// quote returns s in single quotes for a message, cut to maxQuote
// characters, with unprintable characters escaped so a message never carries
// control characters.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	n := 0
	for _, r := range s {
		if n == maxQuote {
			b.WriteString("...")
			break
		}
		n++
		if unicode.IsPrint(r) && r != utf8.RuneError {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// suggest returns a hint naming the entry of the comma-separated names
// that differs from s only in case: names are case-sensitive, and that is
// the usual slip.
func suggest(s, names string) string {
	for _, n := range strings.Split(names, ", ") {
		if strings.EqualFold(s, n) {
			return fmt.Sprintf(" (did you mean '%s'?)", n)
		}
	}
	return ""
}
