package odata_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/odata"
)

// maxMessage bounds an error message: its fixed text plus the 32
// characters of input a message may quote.
const maxMessage = 300

// checkInvalid reports whether err is the ErrInvalid *invitations.Error about
// option that every failure of this package must be, with a message that
// begins with the option, stays short, and holds no control characters. It
// returns the message.
func checkInvalid(t *testing.T, call string, err error, option string) string {
	t.Helper()
	var e *invitations.Error
	if !errors.As(err, &e) {
		t.Errorf("%s error = %v (%T); want *invitations.Error", call, err, err)
		return ""
	}
	if !errors.Is(err, invitations.ErrInvalid) {
		t.Errorf("%s error kind = %v; want ErrInvalid", call, e.Kind)
	}
	if e.Target != option {
		t.Errorf("%s error target = %q; want %q", call, e.Target, option)
	}
	if !strings.HasPrefix(e.Message, option+": ") || len(e.Message) <= len(option)+2 {
		t.Errorf("%s error message = %q; want %q and a reason", call, e.Message, option+": ")
	}
	if len(e.Message) > maxMessage {
		t.Errorf("%s error message is %d bytes; want at most %d", call, len(e.Message), maxMessage)
	}
	if !utf8.ValidString(e.Message) || strings.IndexFunc(e.Message, unicode.IsControl) >= 0 {
		t.Errorf("%s error message = %q; want printable UTF-8", call, e.Message)
	}
	return e.Message
}

// Whatever the option, a long hostile input gives a short message.
func TestMessagesQuoteLittle(t *testing.T) {
	parse := map[string]func(string) error{
		"$filter":  func(s string) error { _, err := odata.ParseFilter(s); return err },
		"$orderby": func(s string) error { _, err := odata.ParseOrderBy(s); return err },
		"$select":  func(s string) error { _, err := odata.ParseSelect(s); return err },
	}
	long := strings.Repeat("x", 4000)
	tests := []struct{ option, in string }{
		{"$filter", long},
		{"$filter", long + long},
		{"$filter", "inviter eq " + long},
		{"$filter", "created eq " + strings.Repeat("9", 4000)},
		{"$filter", "created eq 1" + long},
		{"$filter", "inviter eq '" + long},
		{"$orderby", long},
		{"$orderby", "created " + long},
		{"$select", long},
		{"$select", "id," + long + "/x"},
	}
	for _, tt := range tests {
		msg := checkInvalid(t, tt.option, parse[tt.option](tt.in), tt.option)
		if strings.Contains(msg, strings.Repeat("x", 33)) {
			t.Errorf("%s(%.20q...) error = %q; want at most 32 characters of the input", tt.option, tt.in, msg)
		}
	}
}
