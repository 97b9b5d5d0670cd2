package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/graph-linkedin/invitations/gen"
)

// contract is openapi.yaml as the service serves it: as written, and as
// JSON, converted once at start-up.
type contract struct {
	yaml, json []byte
}

func newContract() (contract, error) {
	doc := gen.SpecYAML()
	js, err := yamlToJSON(doc)
	if err != nil {
		return contract{}, fmt.Errorf("openapi.yaml as JSON: %w", err)
	}
	return contract{yaml: doc, json: js}, nil
}

// publicCache is the Cache-Control of the contract and the reference at
// /docs: unlike every other answer they are the same for every caller, so
// a cache may keep them, but they change with each release, so it must
// check them again before each use.
const publicCache = "no-cache"

// GetOpenAPIYAML is GET /openapi.yaml.
func (h *handler) GetOpenAPIYAML(context.Context, gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return gen.GetOpenAPIYAML200ApplicationYamlResponse{
		Body:          bytes.NewReader(h.contract.yaml),
		ContentLength: int64(len(h.contract.yaml)),
		Headers:       gen.GetOpenAPIYAML200ResponseHeaders{CacheControl: ptr(publicCache)},
	}, nil
}

// GetOpenAPIJSON is GET /openapi.json.
func (h *handler) GetOpenAPIJSON(context.Context, gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return rawJSON(h.contract.json), nil
}

// rawJSON is a 200 whose JSON body is written as it is: the generated
// response would decode the document into a struct and encode it again on
// every request.
type rawJSON []byte

func (r rawJSON) VisitGetOpenAPIJSONResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(r)))
	w.Header().Set("Cache-Control", publicCache)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(r)
	return err
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
