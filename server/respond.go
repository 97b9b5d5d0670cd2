package server

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// invitationResponse is the answer of the operations that return one
// invitation: create (201), get and update (200). It writes what the
// generated response objects (gen.CreateInvitation201JSONResponse, ...)
// write, byte for byte, without their costs per request: their header
// fields are set with Header.Set (which canonicalizes "ETag" anew each
// time) from fmt.Sprint, and their body is encoded into a new buffer. Its
// header fields are set under their canonical names, the body written as
// encoding/json writes theirs (see appendInvitation), into a pooled buffer.
// The tests' oracle checks every answer against openapi.yaml all the same.
type invitationResponse struct {
	*responder
	status int
	body   wireInvitation
	// The ETag and Location header fields' values (Location's "" when
	// none): slices of these arrays are the header's, so that setting them
	// allocates nothing.
	etag, location [1]string
	replayed       bool // Idempotency-Replayed: true
}

// responder is what the responses share: buffers for their bodies, and
// the header fields' values that are the same in every answer (shared,
// never changed in place: Header.Set and the like replace a slice).
type responder struct {
	bufs                  sync.Pool // *[]byte
	contentType, replayed []string
}

func newResponder() *responder {
	return &responder{bufs: sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }},
		contentType: []string{"application/json"}, replayed: []string{strconv.FormatBool(true)}}
}

// invitation is the answer with status that carries inv.
func (rs *responder) invitation(status int, inv invitations.Invitation) *invitationResponse {
	r := &invitationResponse{responder: rs, status: status}
	r.etag[0] = *etag(inv)
	r.body.set(inv)
	return r
}

// created is the 201 for a created invitation.
func (rs *responder) created(inv invitations.Invitation) *invitationResponse {
	r := rs.invitation(http.StatusCreated, inv)
	r.location[0] = location(inv)
	return r
}

func (r *invitationResponse) write(w http.ResponseWriter) error {
	bp := r.bufs.Get().(*[]byte)
	body := appendInvitation((*bp)[:0], &r.body.InvitationV2)
	defer r.put(bp, body)
	h := w.Header()
	h["Content-Type"] = r.contentType
	h["Etag"] = r.etag[:]
	if r.location[0] != "" {
		h["Location"] = r.location[:]
	}
	if r.replayed {
		h["Idempotency-Replayed"] = r.responder.replayed
	}
	w.WriteHeader(r.status)
	_, err := w.Write(body)
	return err
}

// put returns the buffer bp to the pool, as body (what was written into
// it) has grown it.
func (rs *responder) put(bp *[]byte, body []byte) {
	if cap(body) > 64<<10 { // keep no buffer a huge answer grew
		return
	}
	*bp = body[:0]
	rs.bufs.Put(bp)
}

// VisitCreateInvitationResponse writes the 201 of a create.
func (r *invitationResponse) VisitCreateInvitationResponse(w http.ResponseWriter) error {
	return r.write(w)
}

// VisitGetInvitationResponse writes the 200 of a get.
func (r *invitationResponse) VisitGetInvitationResponse(w http.ResponseWriter) error {
	return r.write(w)
}

// VisitUpdateInvitationResponse writes the 200 of an update.
func (r *invitationResponse) VisitUpdateInvitationResponse(w http.ResponseWriter) error {
	return r.write(w)
}

// listResponse is the 200 of a list. It writes what
// gen.ListInvitations200JSONResponse writes, byte for byte (its one header
// field, Content-Type, and its body, see appendCollection), into a pooled
// buffer.
type listResponse struct {
	*responder
	body gen.InvitationV2Collection
}

// VisitListInvitationsResponse writes the 200 of a list.
func (r *listResponse) VisitListInvitationsResponse(w http.ResponseWriter) error {
	bp := r.bufs.Get().(*[]byte)
	body := appendCollection((*bp)[:0], &r.body)
	defer r.put(bp, body)
	w.Header()["Content-Type"] = r.contentType
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}
