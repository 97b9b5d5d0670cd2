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
}

// Delegated reports whether the caller acts for a signed-in user rather than
// as an application. A token with scopes is delegated, as in Graph.
func (c Caller) Delegated() bool { return len(c.Scopes) > 0 || len(c.Roles) == 0 }

// CanWrite reports whether the caller may create invitations.
func (c Caller) CanWrite() bool {
	if c.Delegated() {
		return slices.Contains(c.Scopes, PermReadWrite)
	}
	return slices.Contains(c.Roles, PermReadWriteAll)
}

// AuthorizeCreate checks that the caller may create inv and fills in what the
// caller implies: the tenant and, for a delegated caller, the inviter.
func (c Caller) AuthorizeCreate(inv *Invitation) error {
	if !c.CanWrite() {
		if c.Delegated() {
			return Errorf(ErrForbidden, "creating an invitation needs the %s permission", PermReadWrite)
		}
		return Errorf(ErrForbidden, "creating an invitation needs the %s permission", PermReadWriteAll)
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
