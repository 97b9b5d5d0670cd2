package server

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// The access log's lines are byte for byte what slog's JSON handler writes
// for the same record: the same fields, order, escaping and number format.
func TestAccessLogAsSlog(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 30, 5, 123456789, time.FixedZone("", 3600))
	for _, l := range []accessLine{
		{time: at, id: "0b6f4c1e-6a55-8d8e-9a3f-2f1c0e7d9b84", method: "GET", path: "/v1.0/linkedIn/invitations/x",
			status: 200, bytes: 512, operation: "getInvitation", elapsed: 1234567 * time.Nanosecond, remote: "127.0.0.1:5000"},
		{time: at.UTC(), id: "id", method: "POST", path: "/v1.0/linkedIn/invitations", status: 503, bytes: 0,
			operation: "createInvitation", elapsed: 12 * time.Second, remote: "[::1]:80"},
		{time: at, id: "", method: "BREW", path: "/a\"b\\c\nd\te\x00f\x7f<&>\u2028\u2029é\xff\xfe/", status: 404, bytes: -1,
			operation: "unknown", elapsed: 0, remote: ""},
		{time: at, method: "GET", path: "/", status: 431, elapsed: time.Microsecond, operation: "unknown"},
		{time: at, method: "GET", path: "/", status: 200, elapsed: 100 * time.Hour, operation: "unknown"},
	} {
		var got, want bytes.Buffer
		newAccessLog(&got).write(&l)
		r := slog.NewRecord(l.time, l.level(), "request", 0)
		r.AddAttrs(l.attrs()...)
		if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("accessLog.write(%+v) =\n%s; want (slog's)\n%s", l, got.String(), want.String())
		}
	}
}
