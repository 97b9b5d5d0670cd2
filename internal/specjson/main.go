// Command specjson writes openapi.yaml as JSON, for gen/: `go generate`
// runs it (see gen/generate.go), so the server serves /openapi.json and
// loads the spec without converting YAML at every start. `make
// check-generated` fails when the committed JSON is stale.
//
// Usage: specjson IN.yaml OUT.json
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "specjson:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: %s IN.yaml OUT.json", args[0])
	}
	doc, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	js, err := yamlToJSON(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", args[1], err)
	}
	return os.WriteFile(args[2], js, 0o644)
}

// yamlToJSON converts a YAML document to JSON, keeping the order of every
// mapping's keys (decoding into a map would sort them, and the reference
// at /docs shows operations in the order it reads them).
func yamlToJSON(doc []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("a document of %d values; want one", len(n.Content))
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			// JSON keys are strings: a YAML key such as 200 keeps its text.
			if err := writeValue(buf, n.Content[i].Value); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := writeJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, item); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		if n.ShortTag() == "!!timestamp" { // JSON has no timestamps: keep the text
			return writeValue(buf, n.Value)
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		return writeValue(buf, v)
	default:
		return fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
	}
	return nil
}

// writeValue writes v as JSON, without escaping <, > and & (the document is
// served as JSON, never embedded in HTML).
func writeValue(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
