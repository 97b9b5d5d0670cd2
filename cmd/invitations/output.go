package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/graph-linkedin/invitations/client"
)

// printInvitation prints one invitation: its JSON (the API's, with
// @odata.etag), or a block of properties.
func (e *env) printInvitation(inv *client.Invitation) error {
	switch e.output {
	case "json":
		return printJSON(e.stdout, inv)
	case "id":
		_, err := fmt.Fprintln(e.stdout, inv.ID)
		return err
	}
	return e.printBlock([][2]string{
		{"id", inv.ID},
		{"created", timestamp(inv.Created)},
		{"last modified", timestamp(inv.LastModified)},
		{"inviter", inv.Inviter},
		{"invitee", inv.Invitee},
		{"state", string(inv.State)},
		{"closed", timestamp(inv.Closed)},
		{"template", templateOf(inv.Message)},
		{"message", bodyOf(inv.Message)},
		{"tracking id", inv.TrackingID},
		{"etag", inv.ETag},
	})
}

// printBlock prints properties, one "name: value" a line, the values
// aligned ("-" for none).
func (e *env) printBlock(rows [][2]string) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], orDash(row[1]))
	}
	return tw.Flush()
}

// printDeleted says, in a table's output, that id was deleted; the other
// outputs print nothing.
func (e *env) printDeleted(id string) error {
	if e.output != "table" {
		return nil
	}
	_, err := fmt.Fprintln(e.stdout, "deleted", id)
	return err
}

// printPage prints one page of a listing: the API's JSON, its ids, or a table with
// the count and, on standard error, how to get the next page.
func (e *env) printPage(p *client.Page) error {
	if e.output == "json" {
		return printJSON(e.stdout, p)
	}
	w := e.newListWriter()
	if err := w.write(p.Invitations); err != nil {
		return err
	}
	if err := w.close(); err != nil || e.output == "id" {
		return err
	}
	if p.Count != nil {
		fmt.Fprintf(e.stdout, "\n%d matching\n", *p.Count)
	}
	if p.NextLink != "" {
		fmt.Fprintf(e.stderr, "more: invitations list --next '%s'\n", p.NextLink)
	}
	return nil
}

// listWriter prints invitations as they come, page after page: one JSON
// array, or one table.
type listWriter struct {
	e     *env
	tw    *tabwriter.Writer
	count int
}

func (e *env) newListWriter() *listWriter {
	return &listWriter{e: e, tw: tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)}
}

func (w *listWriter) write(invs []client.Invitation) error {
	for _, inv := range invs {
		switch w.e.output {
		case "id":
			if _, err := fmt.Fprintln(w.e.stdout, inv.ID); err != nil {
				return err
			}
		case "json":
			b, err := json.MarshalIndent(inv, "  ", "  ")
			if err != nil {
				return err
			}
			sep := ",\n  "
			if w.count == 0 {
				sep = "[\n  "
			}
			if _, err := fmt.Fprintf(w.e.stdout, "%s%s", sep, b); err != nil {
				return err
			}
		default:
			if w.count == 0 {
				fmt.Fprintln(w.tw, "ID\tCREATED\tINVITER\tINVITEE\tSTATE\tTRACKING ID\tMESSAGE")
			}
			fmt.Fprintf(w.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inv.ID, orDash(timestamp(inv.Created)), orDash(inv.Inviter),
				orDash(inv.Invitee), orDash(string(inv.State)), orDash(inv.TrackingID), orDash(summary(inv.Message)))
		}
		w.count++
	}
	return nil
}

func (w *listWriter) close() error {
	switch w.e.output {
	case "id":
		return nil
	case "json":
		end := "\n]\n"
		if w.count == 0 {
			end = "[]\n"
		}
		_, err := io.WriteString(w.e.stdout, end)
		return err
	}
	if w.count == 0 {
		fmt.Fprintln(w.tw, "no invitations")
	}
	return w.tw.Flush()
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func templateOf(m *client.Message) string {
	if m == nil {
		return ""
	}
	return m.TemplateID
}

func bodyOf(m *client.Message) string {
	if m == nil {
		return ""
	}
	return m.Body
}

// summary is a message in a table cell: the start of its body, or its
// template.
func summary(m *client.Message) string {
	s := bodyOf(m)
	if s == "" {
		s = templateOf(m)
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
