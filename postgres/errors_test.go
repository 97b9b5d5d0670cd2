package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/graph-linkedin/invitations"
)

func TestTranslate(t *testing.T) {
	pg := func(code string) error { return &pgconn.PgError{Code: code, Message: "words that do not matter"} }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	domain := invitations.NotFoundError("x")
	tests := []struct {
		name string
		err  error
		want error // the kind; nil when err must come back unchanged
	}{
		{"nil", nil, nil},
		{"a domain error", domain, invitations.ErrNotFound},
		{"unique violation", pg("23505"), invitations.ErrConflict},
		{"NUL in text", pg("22021"), invitations.ErrInvalid},
		{"number out of range", pg("22003"), invitations.ErrInvalid},
		{"connection failure", pg("08006"), invitations.ErrUnavailable},
		{"too many connections", pg("53300"), invitations.ErrUnavailable},
		{"disk full", pg("53100"), invitations.ErrUnavailable},
		{"admin shutdown", pg("57P01"), invitations.ErrUnavailable},
		{"starting up", pg("57P03"), invitations.ErrUnavailable},
		{"statement timeout", pg("57014"), invitations.ErrUnavailable},
		{"serialization failure", pg("40001"), invitations.ErrUnavailable},
		{"deadlock", pg("40P01"), invitations.ErrUnavailable},
		{"read-only standby", pg("25006"), invitations.ErrUnavailable},
		{"I/O error", pg("58030"), invitations.ErrUnavailable},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), invitations.ErrUnavailable},
		{"cancelled", context.Canceled, invitations.ErrUnavailable},
		{"connection refused", refused, invitations.ErrUnavailable},
		{"connection lost", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), invitations.ErrUnavailable},
		{"connection closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), invitations.ErrUnavailable},
		{"undefined table (a bug)", pg("42P01"), nil},
		{"internal error", pg("XX000"), nil},
		{"no rows (handled by the caller)", pgx.ErrNoRows, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := translate(tt.err)
			if tt.want == nil {
				if got != tt.err {
					t.Errorf("translate(%v) = %v; want it unchanged", tt.err, got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Errorf("translate(%v) = %v; want %v", tt.err, got, tt.want)
			}
			for _, other := range []error{invitations.ErrConflict, invitations.ErrInvalid, invitations.ErrUnavailable, invitations.ErrNotFound} {
				if other != tt.want && errors.Is(got, other) {
					t.Errorf("translate(%v) = %v, which is also %v", tt.err, got, other)
				}
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	for code, want := range map[string]bool{"40001": true, "40P01": true, "23505": false, "57P01": false} {
		if got := retryable(fmt.Errorf("commit: %w", &pgconn.PgError{Code: code})); got != want {
			t.Errorf("retryable(%s) = %t; want %t", code, got, want)
		}
	}
	if retryable(context.DeadlineExceeded) {
		t.Error("retryable(deadline) = true; want false")
	}
}
