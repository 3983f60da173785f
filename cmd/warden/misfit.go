package main

import (
	"encoding"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/yamlpos"
)

// misfit is a value of a document that does not fit the Go type it is
// decoded into: an unknown field, a list where a mapping belongs, a text a
// type does not parse.
type misfit struct {
	node *yaml.Node
	path string // the field path, as violations[0].severity
	msg  string
}

// firstMisfit walks the node tree beside the type of v (a pointer) and
// returns the first value, in document order, that does not decode. yaml.v3
// gives no position for a value that its type's UnmarshalText refuses; this
// finds it. It returns nil when it finds nothing.
func firstMisfit(root *yaml.Node, v any) *misfit {
	if all := misfits(root, v); len(all) > 0 {
		return &all[0]
	}
	return nil
}

// misfits returns every value of the tree that does not decode into v, in
// document order: a value that does not fit is reported, and the walk goes
// on with the next.
func misfits(root *yaml.Node, v any) []misfit {
	w := walker{seen: map[anchored]bool{}}
	w.walk(root, reflect.TypeOf(v).Elem(), "")
	return w.out
}

// walker collects the misfits of a tree. It walks an anchored node once
// for each type it is read as, however many aliases refer to it, so that
// the walk is linear in the document: aliases of aliases would otherwise
// make it exponential (a few kilobytes of YAML standing for millions of
// values). A misfit inside an anchored node is reported once, at the first
// path that reaches it.
type walker struct {
	out  []misfit
	seen map[anchored]bool
	// structs caches the fields of each struct type and their names.
	structs map[reflect.Type]structFields
}

type structFields struct {
	fields map[string]reflect.StructField
	names  string // the keys, sorted, for messages
}

func (w *walker) fields(t reflect.Type) structFields {
	sf, ok := w.structs[t]
	if !ok {
		if w.structs == nil {
			w.structs = map[reflect.Type]structFields{}
		}
		f := yamlFields(t)
		sf = structFields{f, strings.Join(sortedKeys(f), ", ")}
		w.structs[t] = sf
	}
	return sf
}

// anchored is an anchored node read as a type.
type anchored struct {
	n *yaml.Node
	t reflect.Type
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Anchor != "" {
		if w.seen[anchored{n, t}] {
			return
		}
		w.seen[anchored{n, t}] = true
	}
	out := &w.out
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || reflect.PointerTo(t).Implements(textUnmarshaler) || t.Kind() < reflect.Array || t.Kind() == reflect.String {
		if m := leaf(n, t, path); m != nil {
			*out = append(*out, *m)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			*out = append(*out, misfit{n, orTop(path), "want a mapping, not " + kindName(n)})
			return
		}
		sf := w.fields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			f, ok := sf.fields[k.Value]
			if !ok {
				*out = append(*out, misfit{k, join(path, k.Value), "unknown field (want one of: " + sf.names + ")"})
				continue
			}
			w.walk(val, f.Type, join(path, k.Value))
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			*out = append(*out, misfit{n, orTop(path), "want a list, not " + kindName(n)})
			return
		}
		for i, c := range n.Content {
			w.walk(c, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			*out = append(*out, misfit{n, orTop(path), "want a mapping, not " + kindName(n)})
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	}
}

// leaf decodes a single value on its own.
func leaf(n *yaml.Node, t reflect.Type, path string) *misfit {
	if n.Kind != yaml.ScalarNode {
		return &misfit{n, orTop(path), "want a single value, not " + kindName(n)}
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		msg := err.Error()
		if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		return &misfit{n, orTop(path), yamlpos.Problem(msg)}
	}
	return nil
}

// yamlFields maps the YAML keys of a struct to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	return fields
}

func sortedKeys(m map[string]reflect.StructField) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}
