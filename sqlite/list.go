package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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

// opSQL maps each operator to SQL. `ne` is IS NOT, so an absent trackingId
// is "not equal" to any string, as OData's null semantics say.
var opSQL = map[invitations.Op]string{
	invitations.OpEq: "=", invitations.OpNe: "IS NOT",
	invitations.OpGt: ">", invitations.OpGe: ">=", invitations.OpLt: "<", invitations.OpLe: "<=",
}

// ListInvitations returns a page of the invitations q selects. It pages by
// keyset: (sort key, id) past the cursor, read off the index in order, so a
// deep page costs what the first does.
func (s *Store) ListInvitations(ctx context.Context, q invitations.Query) (invitations.Page, error) {
	where, args, err := whereClause(q)
	if err != nil {
		return invitations.Page{}, err
	}
	sortColumn := fieldColumns[q.Order.Field]
	if !q.Order.Field.IsTime() {
		return invitations.Page{}, fmt.Errorf("sqlite: cannot sort by %q", q.Order.Field)
	}
	dir, past := "ASC", ">"
	if q.Order.Desc {
		dir, past = "DESC", "<"
	}
	query := `SELECT ` + readColumns + ` FROM invitations WHERE ` + where
	pageArgs := args
	if q.After != nil {
		query += fmt.Sprintf(` AND (%s, id) %s (?, ?)`, sortColumn, past)
		pageArgs = append(pageArgs[:len(pageArgs):len(pageArgs)], q.After.Key.UnixMilli(), q.After.ID)
	}
	query += fmt.Sprintf(` ORDER BY %s %s, id %s LIMIT ? OFFSET ?`, sortColumn, dir, dir)
	pageArgs = append(pageArgs, q.Limit+1, q.Skip)

	countQuery := `SELECT count(*) FROM invitations WHERE ` + where
	// Prepared before the transaction takes a connection of the pool (see
	// stmtCache), then run in one read transaction, so the count and the
	// page see the same data.
	pageStmt, err := s.readStmts.get(ctx, query)
	if err != nil {
		return invitations.Page{}, s.translate(err)
	}
	var countStmt *sql.Stmt
	if q.Count {
		if countStmt, err = s.readStmts.get(ctx, countQuery); err != nil {
			return invitations.Page{}, s.translate(err)
		}
	}
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return invitations.Page{}, s.translate(err)
	}
	defer tx.Rollback()
	var page invitations.Page
	rows, err := txQuery(ctx, tx, pageStmt, query, pageArgs...)
	if err != nil {
		return invitations.Page{}, s.translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		inv, err := scan(rows)
		if err != nil {
			return invitations.Page{}, s.translate(err)
		}
		page.Invitations = append(page.Invitations, inv)
	}
	if err := rows.Err(); err != nil {
		return invitations.Page{}, s.translate(err)
	}
	if len(page.Invitations) > q.Limit {
		page.Invitations = page.Invitations[:q.Limit]
		last := page.Invitations[q.Limit-1]
		page.Next = &invitations.Cursor{Key: q.Order.SortKey(last), ID: last.ID}
	}
	if q.Count {
		rows, err := txQuery(ctx, tx, countStmt, countQuery, args...)
		if err != nil {
			return invitations.Page{}, s.translate(err)
		}
		defer rows.Close()
		if !rows.Next() {
			return invitations.Page{}, s.translate(errors.Join(rows.Err(), sql.ErrNoRows))
		}
		if err := rows.Scan(&page.Count); err != nil {
			return invitations.Page{}, s.translate(err)
		}
	}
	return page, nil
}

// whereClause renders the tenant, party and filter of q.
func whereClause(q invitations.Query) (string, []any, error) {
	var b strings.Builder
	args := []any{q.Tenant}
	b.WriteString("tenant = ?")
	if q.Party != "" {
		b.WriteString(" AND (inviter = ? OR invitee = ?)")
		args = append(args, q.Party, q.Party)
	}
	for _, c := range q.Filter {
		column, ok := fieldColumns[c.Field]
		op, known := opSQL[c.Op]
		if !ok || !known {
			return "", nil, fmt.Errorf("sqlite: cannot filter on %s %s", c.Field, c.Op)
		}
		switch {
		case c.Null && c.Op == invitations.OpEq:
			fmt.Fprintf(&b, " AND %s IS NULL", column)
		case c.Null:
			fmt.Fprintf(&b, " AND %s IS NOT NULL", column)
		case c.Field.IsTime():
			fmt.Fprintf(&b, " AND %s %s ?", column, op)
			args = append(args, c.Millis)
		default:
			fmt.Fprintf(&b, " AND %s %s ?", column, op)
			args = append(args, c.String)
		}
	}
	return b.String(), args, nil
}

// txQuery runs query in tx, prepared when the cache had room for it.
func txQuery(ctx context.Context, tx *sql.Tx, st *sql.Stmt, query string, args ...any) (*sql.Rows, error) {
	if st == nil {
		return tx.QueryContext(ctx, query, args...)
	}
	return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}
