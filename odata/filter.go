package odata

import (
	"fmt"
	"strings"

	"github.com/graph-linkedin/invitations"
)

// maxDepth bounds how deeply parentheses nest, and so the parser's
// recursion, whatever the input.
const maxDepth = 32

// filterable names the properties $filter accepts, as messages list them.
const filterable = "inviter, invitee, trackingId, state, created, lastModified, closed"

// filterField returns the filterable property called name.
func filterField(name string) (invitations.Field, bool) {
	switch f := invitations.Field(name); f {
	case invitations.FieldInviter, invitations.FieldInvitee, invitations.FieldTrackingID, invitations.FieldState,
		invitations.FieldCreated, invitations.FieldLastModified, invitations.FieldClosed:
		return f, true
	}
	return "", false
}

// ParseFilter parses a $filter expression into conditions that must all
// hold. The grammar is a subset of OData's:
//
//	expr := term ('and' term)*
//	term := '(' expr ')' | property op literal
//
// inviter, invitee, trackingId and state compare with eq or ne to a string
// in single quotes (a quote inside it is doubled; state's one of pending,
// accepted and ignored); created, lastModified and closed compare with eq,
// ne, gt, ge, lt or le to an integer of epoch milliseconds; trackingId and
// closed (absent while pending) also with eq or ne to null. Keywords are
// lower-case and need spaces on both sides, as in OData's ABNF.
// Parentheses, which can only group 'and', flatten away. An empty s is an
// error: callers skip an absent $filter.
func ParseFilter(s string) ([]invitations.Condition, error) {
	if err := checkText("$filter", s); err != nil {
		return nil, err
	}
	p := &parser{lex: lexer{src: s}}
	p.advance()
	if p.tok.kind == tokEOF {
		return nil, invalid("$filter", "empty expression")
	}
	return p.expr(0, nil)
}

// parser is a recursive-descent parser over the lexer's tokens, with the
// current token in tok.
type parser struct {
	lex lexer
	tok token
}

func (p *parser) advance() { p.tok = p.lex.next() }

// expr parses terms joined by 'and' up to the end of input or, inside
// parentheses (open non-nil), up to the closing one.
func (p *parser) expr(depth int, open *token) ([]invitations.Condition, error) {
	var conds []invitations.Condition
	for {
		c, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c...)
		switch {
		case p.tok.kind == tokIdent && p.tok.text == "and":
			if err := p.keyword(); err != nil {
				return nil, err
			}
		case open == nil && p.tok.kind == tokEOF, open != nil && p.tok.kind == tokRParen:
			return conds, nil
		default:
			return nil, p.afterTerm(open)
		}
	}
}

// afterTerm explains a token that cannot follow a complete condition.
func (p *parser) afterTerm(open *token) error {
	t := p.tok
	switch {
	case t.kind == tokError:
		return t.err
	case t.kind == tokIdent && t.text == "or":
		return invalid("$filter", "'or' at position %d is not supported; join conditions with 'and'", p.pos(t))
	case t.kind == tokEOF:
		return invalid("$filter", "missing ')' for the '(' at position %d", p.pos(*open))
	case t.kind == tokRParen:
		return invalid("$filter", "unbalanced ')' at position %d", p.pos(t))
	case open == nil:
		return invalid("$filter", "expected 'and' or the end of the filter, found %s", p.found(t))
	default:
		return invalid("$filter", "expected 'and' or ')', found %s", p.found(t))
	}
}

// term parses a condition or a parenthesised expression.
func (p *parser) term(depth int) ([]invitations.Condition, error) {
	t := p.tok
	switch t.kind {
	case tokError:
		return nil, t.err
	case tokLParen:
		if depth == maxDepth {
			return nil, invalid("$filter", "'(' at position %d nests deeper than %d levels", p.pos(t), maxDepth)
		}
		p.advance()
		conds, err := p.expr(depth+1, &t)
		if err != nil {
			return nil, err
		}
		p.advance() // expr stopped at the ')'
		return conds, nil
	case tokIdent:
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		return []invitations.Condition{c}, nil
	case tokString, tokInt:
		return nil, invalid("$filter", "a condition starts with a property, found %s", p.found(t))
	default:
		return nil, invalid("$filter", "expected a condition, found %s", p.found(t))
	}
}

// condition parses property op literal, with p.tok at the property.
func (p *parser) condition() (invitations.Condition, error) {
	name := p.tok
	field, err := p.property()
	if err != nil {
		return invitations.Condition{}, err
	}
	p.advance()
	opTok := p.tok
	op, err := p.operator(name, field)
	if err != nil {
		return invitations.Condition{}, err
	}
	c := invitations.Condition{Field: field, Op: op}
	lit := p.tok
	switch {
	case field.IsTime() && lit.kind == tokInt:
		c.Millis = lit.num
	case field == invitations.FieldState && lit.kind == tokString && !invitations.State(lit.str).Valid():
		return c, invalid("$filter", "'state' is 'pending', 'accepted' or 'ignored'; found %s at position %d", quote(lit.str), p.pos(lit))
	case !field.IsTime() && lit.kind == tokString:
		c.String = lit.str
	case field.Nullable() && lit.kind == tokIdent && lit.text == "null":
		if op != invitations.OpEq && op != invitations.OpNe {
			return c, invalid("$filter", "%s at position %d cannot compare with null; use eq or ne", quote(opTok.text), p.pos(opTok))
		}
		c.Null = true
	case lit.kind == tokError:
		return c, lit.err
	case field.IsTime():
		return c, invalid("$filter", "%s takes an integer (epoch milliseconds)%s, found %s", quote(name.text), orNull(field), p.found(lit))
	default:
		return c, invalid("$filter", "%s takes a string in single quotes, found %s", quote(name.text), p.found(lit))
	}
	p.advance()
	return c, nil
}

// orNull says that a nullable field also takes null.
func orNull(f invitations.Field) string {
	if f.Nullable() {
		return " or null"
	}
	return ""
}

// property resolves p.tok as a filterable property, explaining anything
// else found where a condition starts.
func (p *parser) property() (invitations.Field, error) {
	t := p.tok
	if f, ok := filterField(t.text); ok {
		return f, nil
	}
	switch t.text {
	case "not":
		return "", invalid("$filter", "'not' at position %d is not supported; use ne, or the opposite comparison", p.pos(t))
	case "and", "or":
		return "", invalid("$filter", "expected a condition, found %s", p.found(t))
	case "null", "true", "false":
		return "", invalid("$filter", "a condition starts with a property, found %s", p.found(t))
	case "id", "message":
		return "", invalid("$filter", "property %s at position %d cannot be filtered; filterable: %s", quote(t.text), p.pos(t), filterable)
	}
	p.advance()
	if p.tok.kind == tokLParen {
		return "", invalid("$filter", "function %s at position %d is not supported; compare a property with eq, ne, gt, ge, lt or le",
			quote(t.text), p.pos(t))
	}
	return "", invalid("$filter", "unknown property %s at position %d%s; filterable: %s",
		quote(t.text), p.pos(t), suggest(t.text, filterable), filterable)
}

// operator reads the comparison after property name and checks that it
// suits the property's type.
func (p *parser) operator(name token, field invitations.Field) (invitations.Op, error) {
	t := p.tok
	allowed := []invitations.Op{invitations.OpEq, invitations.OpNe}
	if field.IsTime() {
		allowed = append(allowed, invitations.OpGt, invitations.OpGe, invitations.OpLt, invitations.OpLe)
	}
	switch t.kind {
	case tokError:
		return "", t.err
	case tokIdent:
	default:
		return "", invalid("$filter", "expected an operator after %s, found %s", quote(name.text), p.found(t))
	}
	for _, op := range allowed {
		if t.text == string(op) {
			return op, p.keyword()
		}
	}
	switch t.text {
	case "gt", "ge", "lt", "le":
		return "", invalid("$filter", "%s at position %d cannot compare string property %s; use eq or ne",
			quote(t.text), p.pos(t), quote(name.text))
	case "has", "in", "add", "sub", "mul", "div", "divby", "mod":
		return "", invalid("$filter", "operator %s at position %d is not supported; %s takes %s",
			quote(t.text), p.pos(t), quote(name.text), opList(allowed))
	}
	return "", invalid("$filter", "expected an operator after %s, found %s%s; %s takes %s",
		quote(name.text), p.found(t), suggest(t.text, opNames(allowed)), quote(name.text), opList(allowed))
}

// keyword consumes the keyword at p.tok, which OData requires to have
// whitespace on both sides: "inviter eq'x'" is refused, as OData's ABNF
// refuses it, and accepting it later would be compatible, the reverse not.
func (p *parser) keyword() error {
	t := p.tok
	p.advance()
	if !t.space || p.tok.kind != tokEOF && !p.tok.space {
		return invalid("$filter", "%s at position %d needs a space on each side", quote(t.text), p.pos(t))
	}
	return nil
}

// found describes t and where it is, for "expected X, found Y".
func (p *parser) found(t token) string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return fmt.Sprintf("a string at position %d", p.pos(t))
	case tokInt:
		return fmt.Sprintf("the number %s at position %d", quote(t.text), p.pos(t))
	}
	return fmt.Sprintf("%s at position %d", quote(t.text), p.pos(t))
}

func (p *parser) pos(t token) int { return position(p.lex.src, t.off) }

// opList names ops for a message: "eq or ne".
func opList(ops []invitations.Op) string {
	s := opNames(ops)
	i := strings.LastIndex(s, ", ")
	return s[:i] + " or " + s[i+2:]
}

// opNames joins ops with commas: "eq, ne".
func opNames(ops []invitations.Op) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, ", ")
}
