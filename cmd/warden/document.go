package main

import (
	"bytes"
	"errors"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/yamlpos"
	"github.com/groupwarden/warden/policy"
)

// document is an input file read as YAML, which JSON is too. It keeps the
// node tree so that an error can name the line and column of the value it
// is about.
type document struct {
	file string
	data []byte
	root *yaml.Node // the top-level value
	// line is added to every line reported: the line a document cut from
	// a larger file (a line of a JSON lines file) starts on, less one.
	line int
}

// parseDocument parses data as one YAML (or JSON) document.
func parseDocument(file string, data []byte) (*document, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		e := yamlError(file, 0, err)
		if at := yamlpos.Locate(strings.Split(string(data), "\n"), yamlpos.Messages(err)[0], yamlpos.Unmarshal); at.Line > 0 {
			e.line, e.col, e.msg = at.Line, at.Column, at.Message
		}
		return nil, e
	}
	if len(n.Content) == 0 {
		return nil, &inputError{file: file, msg: "the file is empty"}
	}
	if line := yamlpos.SecondDocument(data); line > 0 {
		return nil, &inputError{file: file, line: line, msg: "a second YAML document after ---: a case or fixture file holds one, and what follows would be ignored"}
	}
	return &document{file: file, data: data, root: n.Content[0]}, nil
}

// yamlError turns a yaml.v3 error into an inputError at its first line.
func yamlError(file string, offset int, err error) *inputError {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if line := yamlpos.StatedLine(msg); line > 0 {
		return &inputError{file: file, line: offset + line, msg: yamlpos.Problem(msg)}
	}
	return &inputError{file: file, msg: strings.TrimPrefix(msg, "yaml: ")}
}

// decode decodes the document into v, a pointer, refusing unknown fields.
// An error names the position and the field path of the first value that
// does not fit.
func (d *document) decode(v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(d.data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if p := firstMisfit(d.root, v); p != nil {
		return d.errorAt(p.node, p.path+": "+p.msg)
	}
	return yamlError(d.file, d.line, err)
}

// errorAt returns an error at the position of node n. The parser places
// the empty value of a document with nothing in it ("---") past the end of
// the data: such an error stands on the document's last line.
func (d *document) errorAt(n *yaml.Node, msg string) *inputError {
	line, col := n.Line, n.Column
	if last := lineCount(d.data); line > last {
		line, col = last, 1
	}
	return &inputError{file: d.file, line: d.line + line, col: col, msg: msg}
}

// lineCount counts the lines of data as YAML does: "\r\n", "\n" and a lone
// "\r" each end one.
func lineCount(data []byte) int {
	return bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 1
}

// has reports whether the top-level mapping has the key.
func (d *document) has(key string) bool {
	if d.root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if d.root.Content[i].Value == key {
			return true
		}
	}
	return false
}

// casePath returns the path, in the document of a case or group case, of
// the field an error about a malformed case names; "" when it names none.
func casePath(err error) string {
	path, _ := policy.PathOf(err)
	return path
}

// caseError places an error about a malformed case at the field it names.
func (d *document) caseError(err error) *inputError {
	n := d.root
	if path := casePath(err); path != "" {
		n = yamlpos.Find(d.root, path)
	}
	return d.errorAt(n, err.Error())
}
