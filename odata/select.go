package odata

import "strings"

// selectable names the properties $select accepts, in the canonical order
// ParseSelect returns them.
const selectable = "id, created, lastModified, inviter, invitee, message, trackingId, state, closed"

// ParseSelect parses $select, a comma-separated list of property names
// (spaces around each allowed), and returns the names in the order
// selectable lists them, each once, always with id: Graph returns id
// whatever $select says, and a fixed order lets callers compare selections.
// An empty s is an error: callers skip an absent $select.
func ParseSelect(s string) ([]string, error) {
	if err := checkText("$select", s); err != nil {
		return nil, err
	}
	names := strings.Split(selectable, ", ")
	chosen := make([]bool, len(names))
	chosen[0] = true // id
	off := 0
	for item := range strings.SplitSeq(s, ",") {
		if err := choose(s, item, off, names, chosen); err != nil {
			return nil, err
		}
		off += len(item) + 1
	}
	var out []string
	for i, n := range names {
		if chosen[i] {
			out = append(out, n)
		}
	}
	return out, nil
}

// choose marks the property named by item, which starts at byte off of s.
func choose(s, item string, off int, names []string, chosen []bool) error {
	ws := words(item, off)
	switch {
	case len(ws) == 0 && off+len(item) < len(s):
		return invalid("$select", "empty item before the ',' at position %d", position(s, off+len(item)))
	case len(ws) == 0 && off > 0:
		return invalid("$select", "empty item after the ',' at position %d", position(s, off-1))
	case len(ws) == 0:
		return invalid("$select", "empty; name at least one of %s", selectable)
	case len(ws) > 1:
		return invalid("$select", "expected ',' before %s at position %d", quote(ws[1].text), position(s, ws[1].off))
	}
	w := ws[0]
	for i, n := range names {
		if w.text == n {
			chosen[i] = true
			return nil
		}
	}
	switch {
	case w.text == "*":
		return invalid("$select", "'*' at position %d is not supported; name the properties (%s)", position(s, w.off), selectable)
	case strings.ContainsAny(w.text, "/."):
		return invalid("$select", "path %s at position %d is not supported; select whole properties (%s)",
			quote(w.text), position(s, w.off), selectable)
	}
	return invalid("$select", "unknown property %s at position %d%s; selectable: %s",
		quote(w.text), position(s, w.off), suggest(w.text, selectable), selectable)
}
