package server

import (
	"strconv"
	"strings"

	"github.com/graph-linkedin/invitations"
)

// ifMatch is a parsed If-Match header (RFC 9110 section 13.1.1).
type ifMatch struct {
	present  bool
	any      bool    // *
	versions []int64 // the strong tags that name a version
}

// parseIfMatch parses the header: "*", or a comma-separated list of entity
// tags. Weak tags (W/"...") never match, as If-Match compares strongly; tags
// that are not ours simply do not match.
func parseIfMatch(header *string) (ifMatch, error) {
	if header == nil {
		return ifMatch{}, nil
	}
	h := strings.TrimSpace(*header)
	if h == "*" {
		return ifMatch{present: true, any: true}, nil
	}
	m := ifMatch{present: true}
	for tag := range strings.SplitSeq(h, ",") {
		tag = strings.TrimSpace(tag)
		weak := strings.HasPrefix(tag, "W/")
		tag = strings.TrimPrefix(tag, "W/")
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' || strings.Contains(tag[1:len(tag)-1], `"`) {
			return ifMatch{}, &invitations.Error{Kind: invitations.ErrInvalid, Target: "If-Match",
				Message: `If-Match: expected "*" or a list of entity tags such as "3"`}
		}
		if v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil && !weak {
			m.versions = append(m.versions, v)
		}
	}
	return m, nil
}

// matches reports whether an invitation at version meets the condition.
func (m ifMatch) matches(version int64) bool {
	if !m.present || m.any {
		return true
	}
	for _, v := range m.versions {
		if v == version {
			return true
		}
	}
	return false
}

// specific reports whether the condition names versions (not absent or *).
func (m ifMatch) specific() bool { return m.present && !m.any }
