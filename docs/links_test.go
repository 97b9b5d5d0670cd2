// Package docs is the project's documentation, in Markdown; its test
// checks that the documents' relative links reach what they name.
package docs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// linkRE matches an inline Markdown link or image, [text](target) or
// [text](target "title"); group 1 is the target.
var linkRE = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// schemeRE matches a target with a scheme (https:, mailto:): not relative.
var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// prose returns the lines of a Markdown document, with the lines of its
// fenced code blocks blanked: code is not linked, nor a heading. Line i+1 of
// the document is element i.
func prose(doc string) []string {
	var lines []string
	fence := ""
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			line = ""
		case strings.HasPrefix(trimmed, "```"), strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
			line = ""
		}
		lines = append(lines, line)
	}
	return lines
}

// withoutCode removes the code spans from a line: text between two runs of
// as many backticks.
func withoutCode(line string) string {
	var b strings.Builder
	for line != "" {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
		ticks, rest := line[i:i+n], line[i+n:]
		end := strings.Index(rest, ticks)
		if end < 0 { // no closing run: the backticks are literal
			b.WriteString(ticks)
			line = rest
			continue
		}
		line = rest[end+n:]
	}
	return b.String()
}

// anchors are the fragment ids GitHub gives a document's headings: lower
// case, punctuation other than '-' and '_' dropped, spaces turned into
// hyphens, and a repeated one numbered (-1, -2...).
func anchors(doc string) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	for _, line := range prose(doc) {
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			continue
		}
		text = strings.TrimLeft(text, "#")
		if text != "" && text[0] != ' ' {
			continue // not a heading: #hashtag
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(text)) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-', r == '_', unicode.IsLetter(r), unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		id := b.String()
		if n := seen[id]; n > 0 {
			seen[id]++
			id = fmt.Sprintf("%s-%d", id, n)
		} else {
			seen[id] = 1
		}
		ids[id] = true
	}
	return ids
}

// checkLinks reports every relative link in the documents files (paths in
// fsys) whose file does not exist, or whose #anchor is no heading of it.
func checkLinks(fsys fs.FS, files []string) []error {
	var errs []error
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for i, line := range prose(string(data)) {
			for _, m := range linkRE.FindAllStringSubmatch(withoutCode(line), -1) {
				target := m[1]
				if schemeRE.MatchString(target) {
					continue
				}
				if err := checkLink(fsys, file, target); err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: link %q: %v", file, i+1, target, err))
				}
			}
		}
	}
	return errs
}

// checkLink checks one relative target of a link in file.
func checkLink(fsys fs.FS, file, target string) error {
	where, anchor, _ := strings.Cut(target, "#")
	dest := file
	if where != "" {
		dest = path.Join(path.Dir(file), where)
		if !fs.ValidPath(dest) {
			return fmt.Errorf("it leads out of the repository")
		}
		if _, err := fs.Stat(fsys, dest); err != nil {
			return fmt.Errorf("no such file or directory: %s", dest)
		}
	}
	if anchor == "" {
		return nil
	}
	if !strings.HasSuffix(dest, ".md") {
		return fmt.Errorf("an anchor into %s, which is not Markdown", dest)
	}
	data, err := fs.ReadFile(fsys, dest)
	if err != nil {
		return err
	}
	if !anchors(string(data))[anchor] {
		return fmt.Errorf("%s has no heading whose anchor is #%s", dest, anchor)
	}
	return nil
}

// Every relative link of README.md, ARCHITECTURE.md and docs/*.md reaches
// a file of the repository, and its anchor a heading of that file.
func TestLinks(t *testing.T) {
	root := os.DirFS("..")
	files, err := fs.Glob(root, "docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"README.md", "ARCHITECTURE.md"}, files...)
	for _, err := range checkLinks(root, files) {
		t.Error(err)
	}
}

func TestCheckLinks(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md": {Data: []byte("# Title\n\nSee [a](docs/a.md#the-first-part-1), [b](docs/b.md), [c](docs/a.md#nowhere),\n" +
			"[home](https://example.com), [self](#title), [up](../outside.md), [dir](docs),\n" +
			"`[code](missing.md)`, and [gone](#gone).\n\n```sh\n[fenced](missing.md)\n```\n")},
		"docs/a.md": {Data: []byte("# The first part\n\n## The first part\n\n## `flags`: what -h says\n\n[back](../README.md#title) [flags](#flags-what--h-says)\n")},
	}
	var got []string
	for _, err := range checkLinks(fsys, []string{"README.md", "docs/a.md"}) {
		got = append(got, err.Error())
	}
	want := []string{
		`README.md:3: link "docs/b.md": no such file or directory: docs/b.md`,
		`README.md:3: link "docs/a.md#nowhere": docs/a.md has no heading whose anchor is #nowhere`,
		`README.md:4: link "../outside.md": it leads out of the repository`,
		`README.md:5: link "#gone": README.md has no heading whose anchor is #gone`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("checkLinks = \n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
