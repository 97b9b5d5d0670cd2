package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// fieldColumns maps each queryable field to its column; nothing else ever
// reaches the SQL text, and every value is a bound parameter.
var fieldColumns = map[invitations.Field]string{
	invitations.FieldInviter:      "inviter",
	invitations.FieldInvitee:      "invitee",
	invitations.FieldTrackingID:   "tracking_id",
	invitations.FieldState:        "state",
	invitations.FieldCreated:      "created",
	invitations.FieldLastModified: "last_modified",
	invitations.FieldClosed:       "closed",
}

// opSQL maps each operator to SQL. `ne` is IS DISTINCT FROM, so an absent
// trackingId is "not equal" to any string, as OData's null semantics say
// (and as SQLite's IS NOT does).
var opSQL = map[invitations.Op]string{
	invitations.OpEq: "=", invitations.OpNe: "IS DISTINCT FROM",
	invitations.OpGt: ">", invitations.OpGe: ">=", invitations.OpLt: "<", invitations.OpLe: "<=",
}

// args collects bound parameters and names each one's placeholder.
type args []any

// add binds v and returns its placeholder ($1, $2, ...).
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// ListInvitations returns a page of the invitations q selects. It pages by
// keyset: (sort key, id) past the cursor, read off the index in order, so a
// deep page costs what the first does.
func (s *Store) ListInvitations(ctx context.Context, q invitations.Query) (invitations.Page, error) {
	where, filterArgs, err := whereClause(q)
	if err != nil {
		return invitations.Page{}, err
	}
	if !q.Order.Field.IsTime() {
		return invitations.Page{}, fmt.Errorf("postgres: cannot sort by %q", q.Order.Field)
	}
	sortColumn := fieldColumns[q.Order.Field]
	dir, past := "ASC", ">"
	if q.Order.Desc {
		dir, past = "DESC", "<"
	}
	pageArgs := append(args(nil), filterArgs...)
	query := `SELECT ` + readColumns + ` FROM invitations WHERE ` + where
	if q.After != nil {
		query += fmt.Sprintf(` AND (%s, id) %s (%s::bigint, %s::text)`, sortColumn, past,
			pageArgs.add(q.After.Key.UnixMilli()), pageArgs.add(q.After.ID))
	}
	query += fmt.Sprintf(` ORDER BY %s %s, id %s LIMIT %s OFFSET %s`, sortColumn, dir, dir,
		pageArgs.add(q.Limit+1), pageArgs.add(q.Skip))

	var page invitations.Page
	read := func(db interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}) error {
		rows, err := db.Query(ctx, query, pageArgs...)
		if err != nil {
			return err
		}
		page.Invitations, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (invitations.Invitation, error) {
			return scan(row)
		})
		return err
	}
	if q.Count {
		// One snapshot, so the count and the page see the same data.
		err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(tx pgx.Tx) error {
				if err := read(tx); err != nil {
					return err
				}
				return tx.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE `+where, filterArgs...).Scan(&page.Count)
			})
	} else {
		err = read(s.pool)
	}
	if err != nil {
		return invitations.Page{}, s.translate(err)
	}
	if len(page.Invitations) > q.Limit {
		page.Invitations = page.Invitations[:q.Limit]
		last := page.Invitations[q.Limit-1]
		page.Next = &invitations.Cursor{Key: q.Order.SortKey(last), ID: last.ID}
	}
	return page, nil
}

// whereClause renders the tenant, party and filter of q.
func whereClause(q invitations.Query) (string, args, error) {
	var (
		b strings.Builder
		a args
	)
	b.WriteString("tenant = " + a.add(q.Tenant))
	if q.Party != "" {
		p := a.add(q.Party)
		fmt.Fprintf(&b, " AND (inviter = %s OR invitee = %s)", p, p)
	}
	for _, c := range q.Filter {
		column, ok := fieldColumns[c.Field]
		op, known := opSQL[c.Op]
		if !ok || !known {
			return "", nil, fmt.Errorf("postgres: cannot filter on %s %s", c.Field, c.Op)
		}
		switch {
		case c.Null && c.Op == invitations.OpEq:
			fmt.Fprintf(&b, " AND %s IS NULL", column)
		case c.Null:
			fmt.Fprintf(&b, " AND %s IS NOT NULL", column)
		case c.Field.IsTime():
			fmt.Fprintf(&b, " AND %s %s %s::bigint", column, op, a.add(c.Millis))
		default:
			fmt.Fprintf(&b, " AND %s %s %s::text", column, op, a.add(c.String))
		}
	}
	return b.String(), a, nil
}
