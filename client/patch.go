package client

// Patch is a JSON merge patch (RFC 7396) of an invitation: each property
// left as the zero Field keeps its value, Set changes it, Remove removes it.
// Inviter and invitee cannot change.
//
//	client.Patch{
//		Message:    client.Set(client.MessagePatch{Body: client.Set("Following up.")}),
//		TrackingID: client.Remove[string](),
//	}
type Patch struct {
	// Message merges into the message property by property;
	// Remove[MessagePatch]() removes the whole message.
	Message    Field[MessagePatch]
	TrackingID Field[string]
}

// MessagePatch merges into an invitation's message.
type MessagePatch struct {
	TemplateID Field[string]
	// Body is the custom message; removing it leaves the template, if any.
	Body Field[string]
}

// Field is one property of a patch: left out (the zero Field), set to a
// value, or removed (JSON null).
type Field[T any] struct {
	state fieldState
	value T
}

type fieldState uint8

const (
	unchanged fieldState = iota
	set
	removed
)

// Set is a Field that sets the property to v.
func Set[T any](v T) Field[T] { return Field[T]{state: set, value: v} }

// Remove is a Field that removes the property.
func Remove[T any]() Field[T] { return Field[T]{state: removed} }

// Get returns the value a Field sets, and whether it sets one.
func (f Field[T]) Get() (T, bool) { return f.value, f.state == set }

// Removes reports whether the Field removes its property.
func (f Field[T]) Removes() bool { return f.state == removed }
