package invitations

import (
	"slices"
	"strings"
)

// Permissions, as Graph names them: delegated ones arrive in a token's scp
// claim, application ones in its roles claim.
const (
	PermRead         = "Invitations.Read"
	PermReadWrite    = "Invitations.ReadWrite"
	PermReadAll      = "Invitations.Read.All"
	PermReadWriteAll = "Invitations.ReadWrite.All"
)

// Caller is who makes a request, as its access token says.
type Caller struct {
	Tenant  string   // the tid claim; data never crosses tenants
	Subject string   // the sub claim: a delegated caller's person URN, or an application's id
	Scopes  []string // delegated permissions (scp)
	Roles   []string // application permissions (roles)
	// Application is the client application the token was issued to (its
	// azp or appid claim); "" when the token names none.
	Application string
}

// Delegated reports whether the caller acts for a signed-in user rather than
// as an application. A token with scopes is delegated, as in Graph.
func (c Caller) Delegated() bool { return len(c.Scopes) > 0 || len(c.Roles) == 0 }

// CanRead reports whether the caller may read invitations.
func (c Caller) CanRead() bool {
	if c.Delegated() {
		return slices.Contains(c.Scopes, PermRead) || slices.Contains(c.Scopes, PermReadWrite)
	}
	return slices.Contains(c.Roles, PermReadAll) || slices.Contains(c.Roles, PermReadWriteAll)
}

// CanWrite reports whether the caller may create, update and delete
// invitations (which ones: see AuthorizeChange).
func (c Caller) CanWrite() bool {
	if c.Delegated() {
		return slices.Contains(c.Scopes, PermReadWrite)
	}
	return slices.Contains(c.Roles, PermReadWriteAll)
}

// Party is whose invitations the caller may see: a delegated caller's own
// (as inviter or invitee), or "" for an application, which sees its tenant's.
func (c Caller) Party() string {
	if c.Delegated() {
		return c.Subject
	}
	return ""
}

// Sees reports whether the caller may see inv. An invitation it may not see
// must look exactly like one that does not exist (a 404, never a 403).
func (c Caller) Sees(inv Invitation) bool { return sees(c.Tenant, c.Party(), inv) }

// sees is the one rule of visibility, a caller's and its subscriptions':
// within tenant, party's own invitations (as inviter or invitee), or every
// one when party is "".
func sees(tenant, party string, inv Invitation) bool {
	return inv.Tenant == tenant && (party == "" || inv.Inviter == party || inv.Invitee == party)
}

// AuthorizeRead checks that the caller may read invitations.
func (c Caller) AuthorizeRead() error {
	if c.CanRead() {
		return nil
	}
	if c.Delegated() {
		return Errorf(ErrForbidden, "reading invitations needs the %s or %s permission", PermRead, PermReadWrite)
	}
	return Errorf(ErrForbidden, "reading invitations needs the %s or %s permission", PermReadAll, PermReadWriteAll)
}

// AuthorizeWrite checks that the caller may change invitations at all.
func (c Caller) AuthorizeWrite() error {
	if c.CanWrite() {
		return nil
	}
	if c.Delegated() {
		return Errorf(ErrForbidden, "changing invitations needs the %s permission", PermReadWrite)
	}
	return Errorf(ErrForbidden, "changing invitations needs the %s permission", PermReadWriteAll)
}

// AuthorizeChange checks that the caller may update or delete inv, which it
// sees: a delegated caller only its own invitations as the inviter.
func (c Caller) AuthorizeChange(inv Invitation) error {
	if err := c.AuthorizeWrite(); err != nil {
		return err
	}
	if p := c.Party(); p != "" && inv.Inviter != p {
		return Errorf(ErrForbidden, "only the inviter can change or delete an invitation")
	}
	return nil
}

// AuthorizeClose checks that the caller may accept or ignore inv, which it
// sees: a delegated caller only invitations addressed to itself (the
// inviter cannot close its own), an application any of its tenant (the path
// for invitees who have no token of their own, such as email addresses).
func (c Caller) AuthorizeClose(inv Invitation) error {
	if err := c.AuthorizeWrite(); err != nil {
		return err
	}
	if p := c.Party(); p != "" && inv.Invitee != p {
		return Errorf(ErrForbidden, "only the invitee can accept or ignore invitation %s", inv.ID)
	}
	return nil
}

// AuthorizeCreate checks that the caller may create inv and fills in what the
// caller implies: the tenant and, for a delegated caller, the inviter.
func (c Caller) AuthorizeCreate(inv *Invitation) error {
	if err := c.AuthorizeWrite(); err != nil {
		return err
	}
	inv.Tenant = c.Tenant
	switch {
	case !c.Delegated() && inv.Inviter == "":
		return Invalidf("inviter", "property is missing; an application must name the inviter")
	case c.Delegated() && inv.Inviter == "":
		inv.Inviter = c.Subject
	case c.Delegated() && inv.Inviter != c.Subject:
		return &Error{Kind: ErrForbidden, Target: "inviter",
			Message: "inviter: a delegated caller can only invite as itself (" + c.Subject + ")"}
	}
	return nil
}

// ParseScopes splits a space-separated scp claim.
func ParseScopes(scp string) []string { return strings.Fields(scp) }
