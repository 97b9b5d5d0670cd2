package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/graph-linkedin/invitations"
)

// SQLSTATE codes the store acts on, by name.
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// unavailableCodes are the SQLSTATEs, or their two-character classes, that
// mean "not now" rather than "never": the caller should retry, here or on
// another instance.
var unavailableCodes = map[string]bool{
	"08":                 true, // connection exception
	"53":                 true, // insufficient resources (too many connections, disk full, ...)
	"58":                 true, // system error (I/O)
	"57P01":              true, // admin shutdown
	"57P02":              true, // crash shutdown
	"57P03":              true, // cannot connect now (starting up, recovering)
	"57014":              true, // query canceled (statement_timeout)
	"55P03":              true, // lock not available
	"25006":              true, // read-only transaction: a standby, mid-failover
	serializationFailure: true, // still failing after the write path's retries
	deadlockDetected:     true,
}

// translate turns a driver error into the domain's kinds: by SQLSTATE for
// the server's errors, by type for the driver's own (a refused or broken
// connection, a timeout), and never by message text. Anything else is left
// as it is, and the HTTP layer answers it with a 500.
func translate(err error) error {
	var domain *invitations.Error
	if err == nil || errors.As(err, &domain) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == uniqueViolation:
			return fmt.Errorf("%w: postgres: %v", invitations.ErrConflict, err)
		case strings.HasPrefix(pe.Code, "22"): // data exception: text it cannot store, a number out of range
			return invitations.Errorf(invitations.ErrInvalid, "a value cannot be stored: %s", pe.Message)
		case unavailableCodes[pe.Code] || unavailableCodes[pe.Code[:min(2, len(pe.Code))]]:
			return fmt.Errorf("%w: postgres: %v", invitations.ErrUnavailable, err)
		}
		return err
	}
	if unreachable(err) {
		return fmt.Errorf("%w: postgres: %v", invitations.ErrUnavailable, err)
	}
	return err
}

// unreachable reports whether err says the database could not be reached or
// answered too late: no connection, a connection lost, a deadline passed.
func unreachable(err error) bool {
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryable reports whether err aborted a transaction that may simply run
// again: nothing of it was committed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == serializationFailure || pe.Code == deadlockDetected)
}

// isUniqueViolation reports whether err is a unique constraint failure.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}
