package yamlpos

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// TestFilePosition maps the position of a marker in each scalar's value
// (as cel-go would report it: line from 1, column from 0, in characters)
// back into the file, where the marker must be found.
func TestFilePosition(t *testing.T) {
	for _, tt := range []struct {
		name, doc, marker string
	}{
		{"plain", "x: a && @b\n", "@"},
		{"plain after unicode", "x: f(\"é\") + @b\n", "@"},
		{"plain folded over lines", "x: a &&\n  b &&\n     @c\n", "@"},
		{"single quoted", "x: 'a + @b'\n", "@"},
		{"single quoted after doubled quotes", "x: '\"can''t\" + ''x'' + @b'\n", "@"},
		{"double quoted after escapes", "x: \"\\\"a\\\" + \\x41 + \\u00e9 + \\\\ + @b\"\n", "@"},
		{"double quoted over lines", "x: \"a &&\n   b && @c\"\n", "@"},
		{"double quoted escaped line break", "x: \"a &&\\\n   b && @c\"\n", "@"},
		{"literal", "x: |\n  a &&\n  @b\n", "@"},
		{"literal more indented", "x: |\n  a &&\n      b && @c\n", "@"},
		{"literal with indentation indicator", "x: |2\n    a &&\n   @b\n", "@"},
		{"literal in a list", "- x: |-\n    a &&\n      @b\n  y: 1\n", "@"},
		{"folded", "x: >-\n  a &&\n  b && @c\n", "@"},
		{"folded more indented", "x: >-\n  a +\n    (b ? c\n      : @d)\n  + e\n", "@"},
		{"folded after a blank line", "x: >\n  a &&\n\n  b && @c\n", "@"},
		{"tagged and anchored", "x: &e !!str 'a + @b'\n", "@"},
		{"tagged literal", "x: !!str |\n  a &&\n    @b\n", "@"},
		{"flow mapping", "- {x: \"a\", y: 'b + @c'}\n", "@"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			node := scalarWith(&doc, tt.marker)
			if node == nil {
				t.Fatalf("no scalar holds %q", tt.marker)
			}
			// The marker's position in the value, as cel-go counts.
			before := node.Value[:strings.Index(node.Value, tt.marker)]
			celLine := strings.Count(before, "\n") + 1
			celCol := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:])
			// The marker's position in the file.
			lines := strings.Split(tt.doc, "\n")
			wantLine, wantCol := 0, 0
			for i, l := range lines {
				if j := strings.Index(l, tt.marker); j >= 0 {
					wantLine, wantCol = i+1, utf8.RuneCountInString(l[:j])+1
				}
			}
			line, col := FilePosition(node, lines, celLine, celCol)
			if line != wantLine || col != wantCol {
				t.Errorf("value %q, %d:%d maps to %d:%d, want %d:%d", node.Value, celLine, celCol, line, col, wantLine, wantCol)
			}
		})
	}
}

// TestFilePositionPastTheEnd maps a position past the end of the value, as
// cel-go reports an unexpected end of input, to just after its last
// character, or to the scalar when it is empty.
func TestFilePositionPastTheEnd(t *testing.T) {
	for _, tt := range []struct {
		doc       string
		line, col int
	}{
		{"x: a &&\n", 1, 8},
		{"x: 'a &&'\n", 1, 9},
		{"x: |\n  a &&\n", 2, 7},
		{"x: ''\n", 1, 4},
		{"x: |\ny: 1", 1, 4},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tt.doc), &doc); err != nil {
			t.Fatal(err)
		}
		node := doc.Content[0].Content[1]
		value := strings.TrimRight(node.Value, "\n")
		line, col := FilePosition(node, strings.Split(tt.doc, "\n"), 1, utf8.RuneCountInString(value))
		if line != tt.line || col != tt.col {
			t.Errorf("%q: end maps to %d:%d, want %d:%d", tt.doc, line, col, tt.line, tt.col)
		}
	}
}

func scalarWith(n *yaml.Node, s string) *yaml.Node {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, s) {
		return n
	}
	for _, c := range n.Content {
		if f := scalarWith(c, s); f != nil {
			return f
		}
	}
	return nil
}
