package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A validator for the subset of JSON Schema (draft 2020-12) that
// policy.schema.json uses, applied to YAML node trees so that every
// violation has a line and a column, as the policy loader's errors have.
// It refuses a schema that uses any other keyword, so that the schema
// cannot rely on something the tests do not check.

// schema is a JSON Schema object, decoded generically.
type schema map[string]any

// annotations are keywords that do not constrain values.
var annotations = []string{"$schema", "$id", "$comment", "$defs", "title", "description", "markdownDescription", "default", "examples"}

// assertions are the keywords the validator implements.
var assertions = []string{"$ref", "type", "enum", "pattern", "minimum", "minItems", "properties", "additionalProperties", "required", "items", "oneOf"}

// validator validates YAML documents against a root schema.
type validator struct {
	root     schema
	patterns map[string]*regexp.Regexp
}

// violation is one place where a document breaks the schema.
type violation struct {
	line, col int
	path      string
	msg       string
	// allowed lists the properties a mapping allows, for an unknown one.
	allowed []string
}

func (v violation) String() string { return fmt.Sprintf("%d:%d: %s: %s", v.line, v.col, v.path, v.msg) }

// newValidator decodes a schema and checks that it uses only the keywords
// the validator implements, in the forms it implements.
func newValidator(data []byte) (*validator, error) {
	var root schema
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	v := &validator{root: root, patterns: map[string]*regexp.Regexp{}}
	if err := v.checkSchema(root, "#"); err != nil {
		return nil, err
	}
	defs, _ := root["$defs"].(map[string]any)
	for name, d := range defs {
		s, ok := d.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("#/$defs/%s is not a schema", name)
		}
		if err := v.checkSchema(s, "#/$defs/"+name); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (v *validator) checkSchema(s schema, at string) error {
	for k, val := range s {
		switch {
		case slices.Contains(annotations, k):
		case !slices.Contains(assertions, k):
			return fmt.Errorf("%s: unsupported keyword %q", at, k)
		case k == "$ref":
			ref, _ := val.(string)
			if _, err := v.resolve(ref); err != nil {
				return fmt.Errorf("%s: %v", at, err)
			}
		case k == "type":
			for _, t := range typeList(val) {
				if !slices.Contains([]string{"object", "array", "string", "number", "integer", "boolean", "null"}, t) {
					return fmt.Errorf("%s: unknown type %v", at, val)
				}
			}
		case k == "enum":
			list, ok := val.([]any)
			if !ok {
				return fmt.Errorf("%s: enum is not a list", at)
			}
			for _, e := range list {
				if _, ok := e.(string); !ok && e != nil {
					return fmt.Errorf("%s: enum value %v is neither a string nor null", at, e)
				}
			}
		case k == "pattern":
			p, _ := val.(string)
			re, err := regexp.Compile(p)
			if err != nil {
				return fmt.Errorf("%s: %v", at, err)
			}
			v.patterns[p] = re
		case k == "minimum" || k == "minItems":
			if _, ok := val.(float64); !ok {
				return fmt.Errorf("%s: %s is not a number", at, k)
			}
		case k == "additionalProperties":
			if val != false {
				return fmt.Errorf("%s: additionalProperties is supported only as false", at)
			}
		case k == "required":
			for _, r := range val.([]any) {
				if _, ok := r.(string); !ok {
					return fmt.Errorf("%s: required lists a non-string", at)
				}
			}
		case k == "properties":
			for name, p := range val.(map[string]any) {
				if err := v.checkSchema(p.(map[string]any), at+"/properties/"+name); err != nil {
					return err
				}
			}
		case k == "items":
			if err := v.checkSchema(val.(map[string]any), at+"/items"); err != nil {
				return err
			}
		case k == "oneOf":
			for i, sub := range val.([]any) {
				if err := v.checkSchema(sub.(map[string]any), at+"/oneOf/"+strconv.Itoa(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (v *validator) resolve(ref string) (schema, error) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	defs, _ := v.root["$defs"].(map[string]any)
	s, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q names no definition", ref)
	}
	return s, nil
}

func typeList(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// validate returns every violation of a YAML document, in document order.
func (v *validator) validate(doc *yaml.Node) []violation {
	n := doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return []violation{{line: 1, col: 1, msg: "empty document"}}
		}
		n = n.Content[0]
	}
	var out []violation
	v.check(v.root, n, "", &out)
	slices.SortStableFunc(out, func(a, b violation) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return a.col - b.col
	})
	return out
}

// jsonTypes returns the JSON types a YAML node has once resolved, as the
// YAML language server sees it: an integer is a number too, and a
// timestamp is a string.
func jsonTypes(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.MappingNode:
		return []string{"object"}
	case yaml.SequenceNode:
		return []string{"array"}
	}
	switch n.ShortTag() {
	case "!!null":
		return []string{"null"}
	case "!!bool":
		return []string{"boolean"}
	case "!!int":
		return []string{"integer", "number"}
	case "!!float":
		return []string{"number"}
	}
	return []string{"string"}
}

func (v *validator) check(s schema, n *yaml.Node, path string, out *[]violation) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	fail := func(at *yaml.Node, format string, args ...any) *violation {
		*out = append(*out, violation{line: at.Line, col: at.Column, path: path, msg: fmt.Sprintf(format, args...)})
		return &(*out)[len(*out)-1]
	}
	if ref, ok := s["$ref"].(string); ok {
		target, _ := v.resolve(ref)
		v.check(target, n, path, out)
	}
	types := jsonTypes(n)
	if t, ok := s["type"]; ok {
		want := typeList(t)
		if !slices.ContainsFunc(types, func(x string) bool { return slices.Contains(want, x) }) {
			fail(n, "want %s, not %s", strings.Join(want, " or "), types[0])
			return
		}
	}
	if enum, ok := s["enum"].([]any); ok && n.Kind == yaml.ScalarNode {
		var value any = n.Value
		if types[0] == "null" {
			value = nil
		} else if types[0] != "string" {
			value = struct{}{} // a number or a bool is in no string enum
		}
		if !slices.Contains(enum, value) {
			fail(n, "%q is not one of the allowed values", n.Value)
		}
	}
	if p, ok := s["pattern"].(string); ok && types[0] == "string" && !v.patterns[p].MatchString(n.Value) {
		fail(n, "%q does not match %s", n.Value, p)
	}
	if m, ok := s["minimum"].(float64); ok && slices.Contains(types, "number") {
		if x, err := strconv.ParseFloat(n.Value, 64); err == nil && x < m {
			fail(n, "%s is less than %v", n.Value, m)
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		props, _ := s["properties"].(map[string]any)
		present := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			present[k.Value] = true
			p, ok := props[k.Value]
			if !ok {
				if s["additionalProperties"] == false {
					viol := fail(k, "unknown property %q", k.Value)
					viol.path = join(path, k.Value)
					viol.allowed = slices.Sorted(maps.Keys(props))
				}
				continue
			}
			v.check(p.(map[string]any), val, join(path, k.Value), out)
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if !present[r.(string)] {
					fail(n, "%s is required", r)
				}
			}
		}
	case yaml.SequenceNode:
		if m, ok := s["minItems"].(float64); ok && float64(len(n.Content)) < m {
			fail(n, "want at least %v items", m)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, c := range n.Content {
				v.check(items, c, fmt.Sprintf("%s[%d]", path, i), out)
			}
		}
	}
	if subs, ok := s["oneOf"].([]any); ok {
		valid := 0
		for _, sub := range subs {
			var discard []violation
			v.check(sub.(map[string]any), n, path, &discard)
			if len(discard) == 0 {
				valid++
			}
		}
		if valid != 1 {
			fail(n, "matches %d of the %d alternatives of oneOf, not exactly one", valid, len(subs))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
