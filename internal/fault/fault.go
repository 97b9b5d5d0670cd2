// Package fault holds the kinds of failure that the service's domain (the
// root package, invitations) and its Go client (client) share, so that
// errors.Is matches the same values on both sides.
//
// It is a leaf of its own rather than a part of the root package because
// importing the root package from another module brings in everything the
// module's root directory names, tools.go's code generators included (go mod
// tidy follows every build tag): the client must not ask that of the modules
// that import it. It is internal because it is no one's API: the root package
// and the client re-export each kind, and those are the names to use.
package fault

import "errors"

// The kinds. Their messages are what errors.Is-based code prints when a kind
// is used bare.
var (
	ErrInvalid              = errors.New("invalid request")
	ErrUnauthenticated      = errors.New("unauthenticated")
	ErrForbidden            = errors.New("forbidden")
	ErrNotFound             = errors.New("not found")
	ErrConflict             = errors.New("conflict")
	ErrKeyReused            = errors.New("idempotency key reused") // sent again with another request
	ErrPreconditionFailed   = errors.New("precondition failed")
	ErrTooLarge             = errors.New("request too large")
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	ErrThrottled            = errors.New("too many requests")
	ErrUnavailable          = errors.New("service unavailable")
)
