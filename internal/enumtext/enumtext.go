// Package enumtext gives one-byte enums their text form: String, text
// marshalling and parsing, from a table of names.
package enumtext

import (
	"fmt"
	"strings"
)

// Text holds the names of an enum, indexed by value. An empty name marks a
// value that has no text form, as an invalid zero value.
type Text struct {
	kind  string
	names []string
	// former holds names a value had before, which Parse still accepts,
	// indexed by value; "" for none.
	former []string
}

// New returns the text table of the enum kind with the given names.
func New(kind string, names ...string) Text { return Text{kind: kind, names: names} }

// String returns the name of v, "" for a nameless zero, kind(v) otherwise.
func (t Text) String(v uint8) string {
	if int(v) < len(t.names) && t.names[v] != "" {
		return t.names[v]
	}
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%s(%d)", t.kind, v)
}

// Marshal returns the name of v as text, or an error for a value without one.
func (t Text) Marshal(v uint8) ([]byte, error) {
	if int(v) < len(t.names) && (t.names[v] != "" || v == 0) {
		return []byte(t.names[v]), nil
	}
	return nil, fmt.Errorf("invalid %s %d", t.kind, v)
}

// WithFormer returns the table that also parses each value's former
// name, given by value ("" for none), so that text written before a rename
// still reads; String and Marshal give the current names only.
func (t Text) WithFormer(former ...string) Text {
	t.former = former
	return t
}

// Parse returns the value named s, by its name or its former name; ""
// parses as a nameless zero.
func (t Text) Parse(s string) (uint8, error) {
	for i, n := range t.names {
		if n == s && (n != "" || i == 0) {
			return uint8(i), nil
		}
	}
	for i, n := range t.former {
		if n == s && n != "" {
			return uint8(i), nil
		}
	}
	var valid []string
	for _, n := range t.names {
		if n != "" {
			valid = append(valid, n)
		}
	}
	return 0, fmt.Errorf("unknown %s %q (want one of: %s)", t.kind, s, strings.Join(valid, ", "))
}
