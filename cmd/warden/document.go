package main

import (
	"bytes"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

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

// yamlLineRE finds the line number in a yaml.v3 error message.
var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// parseDocument parses data as one YAML (or JSON) document.
func parseDocument(file string, data []byte) (*document, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		e := yamlError(file, 0, err)
		if line := syntaxErrorLine(data, e.msg); line > 0 {
			e.line = line
		}
		return nil, e
	}
	if len(n.Content) == 0 {
		return nil, &inputError{file: file, msg: "the file is empty"}
	}
	return &document{file: file, data: data, root: n.Content[0]}, nil
}

// syntaxErrorLine returns the line of a YAML syntax error, or 0. yaml.v3
// gives the line of the construct the parser was in, counted from zero,
// rather than the line of the problem. As the parser reads in order, the
// problem is on the first line whose prefix of the file fails with the
// same message; it is found by bisection.
func syntaxErrorLine(data []byte, msg string) int {
	lines := strings.Split(string(data), "\n")
	fails := func(n int) bool {
		var node yaml.Node
		err := yaml.Unmarshal([]byte(strings.Join(lines[:n], "\n")), &node)
		return err != nil && yamlError("", 0, err).msg == msg
	}
	if !fails(len(lines)) {
		return 0
	}
	return 1 + sort.Search(len(lines)-1, func(i int) bool { return fails(i + 1) })
}

// yamlError turns a yaml.v3 error into an inputError at its first line.
func yamlError(file string, offset int, err error) *inputError {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &inputError{file: file, line: offset + line, msg: msg[len(m[0]):]}
	}
	return &inputError{file: file, msg: msg}
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

// errorAt returns an error at the position of node n.
func (d *document) errorAt(n *yaml.Node, msg string) *inputError {
	return &inputError{file: d.file, line: d.line + n.Line, col: n.Column, msg: msg}
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

// find returns the node at a field path such as violations[0].category,
// or the deepest node on the way when the path goes beyond what the
// document holds (a required field that is absent points at its parent).
func (d *document) find(path string) *yaml.Node {
	n := d.root
	for _, seg := range pathSegments(path) {
		next := child(n, seg)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

func child(n *yaml.Node, seg string) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if i, err := strconv.Atoi(seg); err == nil {
		if n.Kind == yaml.SequenceNode && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				return n.Content[i+1]
			}
		}
	}
	return nil
}

// pathSegments splits a.b[2].c into a, b, 2, c.
func pathSegments(path string) []string {
	var segs []string
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if name != "" {
			segs = append(segs, name)
		}
		for idx != "" {
			var i string
			i, idx, _ = strings.Cut(idx, "]")
			segs = append(segs, i)
			idx = strings.TrimPrefix(idx, "[")
		}
	}
	return segs
}

// casePath returns the path, in the document of a case or group case, of
// the field an error about a malformed case names; "" when it names none.
func casePath(err error) string {
	if ce := (*policy.CaseError)(nil); errors.As(err, &ce) {
		return ce.Field
	}
	path, _ := policy.PathOf(err)
	return path
}

// caseError places an error about a malformed case at the field it names.
func (d *document) caseError(err error) *inputError {
	n := d.root
	if path := casePath(err); path != "" {
		n = d.find(path)
	}
	return d.errorAt(n, err.Error())
}
