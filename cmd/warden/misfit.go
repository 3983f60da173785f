package main

import (
	"encoding"
	"fmt"
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
	return walk(root, reflect.TypeOf(v).Elem(), "")
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

func walk(n *yaml.Node, t reflect.Type, path string) *misfit {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || reflect.PointerTo(t).Implements(textUnmarshaler) || t.Kind() < reflect.Array || t.Kind() == reflect.String {
		return leaf(n, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &misfit{n, orTop(path), "want a mapping, not " + kindName(n)}
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				return &misfit{k, join(path, k.Value), fmt.Sprintf("unknown field (want one of: %s)", strings.Join(sortedKeys(fields), ", "))}
			}
			if m := walk(val, f.Type, join(path, k.Value)); m != nil {
				return m
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return &misfit{n, orTop(path), "want a list, not " + kindName(n)}
		}
		for i, c := range n.Content {
			if m := walk(c, t.Elem(), path+"["+strconv.Itoa(i)+"]"); m != nil {
				return m
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return &misfit{n, orTop(path), "want a mapping, not " + kindName(n)}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if m := walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); m != nil {
				return m
			}
		}
	}
	return nil
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
