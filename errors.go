package invitations

import (
	"fmt"

	"github.com/graph-linkedin/invitations/internal/fault"
)

// The kinds of failure the service distinguishes. Code wraps them (directly,
// or through *Error) and checks them with errors.Is; the HTTP layer maps each
// to one status and Graph error code, and the client maps them back. They
// live in internal/fault, which the client imports instead of this package
// (see there why); these are the same values.
var (
	ErrInvalid              = fault.ErrInvalid
	ErrUnauthenticated      = fault.ErrUnauthenticated
	ErrForbidden            = fault.ErrForbidden
	ErrNotFound             = fault.ErrNotFound
	ErrConflict             = fault.ErrConflict
	ErrKeyReused            = fault.ErrKeyReused // sent again with another request
	ErrPreconditionFailed   = fault.ErrPreconditionFailed
	ErrTooLarge             = fault.ErrTooLarge
	ErrUnsupportedMediaType = fault.ErrUnsupportedMediaType
	ErrThrottled            = fault.ErrThrottled
	ErrUnavailable          = fault.ErrUnavailable
)

// kindNames name the kinds where they are stored (a recorded refusal, see
// Outcome). A stored name never changes.
var kindNames = []struct {
	kind error
	name string
}{
	{ErrInvalid, "invalid"},
	{ErrUnauthenticated, "unauthenticated"},
	{ErrForbidden, "forbidden"},
	{ErrNotFound, "notFound"},
	{ErrConflict, "conflict"},
	{ErrKeyReused, "keyReused"},
	{ErrPreconditionFailed, "preconditionFailed"},
	{ErrTooLarge, "tooLarge"},
	{ErrUnsupportedMediaType, "unsupportedMediaType"},
	{ErrThrottled, "throttled"},
	{ErrUnavailable, "unavailable"},
}

// kindName is kind's stored name; "" if kind is not one of the kinds.
func kindName(kind error) string {
	for _, k := range kindNames {
		if k.kind == kind {
			return k.name
		}
	}
	return ""
}

// kindNamed is the kind with the stored name; nil if there is none.
func kindNamed(name string) error {
	for _, k := range kindNames {
		if k.name == name {
			return k.kind
		}
	}
	return nil
}

// Error is a failure of a known kind with a message fit for the caller.
// Target names the property or parameter at fault, when there is one.
type Error struct {
	Kind    error
	Message string
	Target  string
}

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an ErrInvalid *Error about the named property.
func Invalidf(target, format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Target: target, Message: target + ": " + fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrNotFound) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

// NotFoundError is the one answer for an invitation that does not exist, or
// that the caller may not see: the two must be indistinguishable.
func NotFoundError(id string) error {
	return Errorf(ErrNotFound, "invitation %s does not exist", id)
}
