package odata_test

import (
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/odata"
)

func TestParseOrderBy(t *testing.T) {
	tests := []struct {
		in   string
		want invitations.Order
	}{
		{"created", invitations.Order{Field: invitations.FieldCreated}},
		{"created asc", invitations.Order{Field: invitations.FieldCreated}},
		{"created desc", invitations.Order{Field: invitations.FieldCreated, Desc: true}},
		{"lastModified", invitations.Order{Field: invitations.FieldLastModified}},
		{"lastModified asc", invitations.Order{Field: invitations.FieldLastModified}},
		{"lastModified desc", invitations.Order{Field: invitations.FieldLastModified, Desc: true}},
		{"  lastModified \t desc  ", invitations.Order{Field: invitations.FieldLastModified, Desc: true}},
		{"created\tdesc", invitations.Order{Field: invitations.FieldCreated, Desc: true}},
	}
	for _, tt := range tests {
		got, err := odata.ParseOrderBy(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseOrderBy(%q) = %+v, %v; want %+v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseOrderByInvalid(t *testing.T) {
	const sortable = "sortable: created, lastModified"
	tests := []struct {
		in, want string // want is the message after "$orderby: "
	}{
		{"", "empty; name one of created, lastModified"},
		{" ", "empty; name one of created, lastModified"},
		{"created desc, id", "',' at position 13: sort by one property only (created, lastModified); ties are broken by id"},
		{"created,lastModified", "',' at position 8: sort by one property only (created, lastModified); ties are broken by id"},
		{"created,", "',' at position 8: sort by one property only (created, lastModified); ties are broken by id"},
		{"status", "unknown property 'status' at position 1; " + sortable},
		{"Created desc", "unknown property 'Created' at position 1 (did you mean 'created'?); " + sortable},
		{"lastmodified", "unknown property 'lastmodified' at position 1 (did you mean 'lastModified'?); " + sortable},
		{"desc", "unknown property 'desc' at position 1; " + sortable},
		{"inviter", "property 'inviter' at position 1 cannot be sorted on; " + sortable},
		{" id desc", "property 'id' at position 2 cannot be sorted on; " + sortable},
		{"closed desc", "property 'closed' at position 1 cannot be sorted on; " + sortable},
		{"state", "property 'state' at position 1 cannot be sorted on; " + sortable},
		{"message/body", "unknown property 'message/body' at position 1; " + sortable},
		{"created DESC", "unknown direction 'DESC' at position 9 (did you mean 'desc'?); use asc or desc"},
		{"created descending", "unknown direction 'descending' at position 9; use asc or desc"},
		{"created desc extra", "unexpected 'extra' at position 14 after the direction"},
		{"created asc desc", "unexpected 'desc' at position 13 after the direction"},
		{"\xff", "invalid UTF-8 at position 1"},
		{"created" + strings.Repeat(" ", 4090), "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		got, err := odata.ParseOrderBy(tt.in)
		if err == nil {
			t.Errorf("ParseOrderBy(%.80q) = %+v; want error %q", tt.in, got, tt.want)
			continue
		}
		msg := checkInvalid(t, "ParseOrderBy", err, "$orderby")
		if want := "$orderby: " + tt.want; msg != want {
			t.Errorf("ParseOrderBy(%.80q) error = %q; want %q", tt.in, msg, want)
		}
		if got != (invitations.Order{}) {
			t.Errorf("ParseOrderBy(%.80q) = %+v with an error; want the zero Order", tt.in, got)
		}
	}
}
