package yamlpos

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func locate(t *testing.T, src string) Syntax {
	t.Helper()
	var n yaml.Node
	err := yaml.Unmarshal([]byte(src), &n)
	require.Error(t, err, "the example is valid YAML:\n%s", src)
	return Locate(strings.Split(src, "\n"), Messages(err)[0], Unmarshal)
}

func TestLocateColumn(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"colon in a plain value", "rules:\n  - id: x\n    description: Warning: no spam\n    target: account\n",
			3, 25, "mapping values are not allowed in this context"},
		{"text after a quoted value", "rules:\n  - id: x\n    message: \"Stop: \" + violation.id\n    target: account\n",
			3, 23, "did not find expected key"}, // at the +
		{"a second colon at the top", "name: a: b\n", 1, 8, "mapping values are not allowed in this context"},
		// An unclosed flow mapping: the file's end would fail alike, so the
		// problem is found where the mapping starts.
		{"an unclosed flow mapping", "ground: {kind: illegal\nname: x\n", 1, 10, "did not find expected ',' or '}'"},
		{"after multi-byte text", "name: \"é\" x\n", 1, 11, "did not find expected key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := locate(t, tc.src)
			assert.Equal(t, Syntax{tc.line, tc.col, tc.msg}, got)
		})
	}
}

func TestLocateIndentation(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"a key less indented than its siblings", "rules:\n  - id: x\n    target: account\n   when: y\n    penalty: warn\n",
			4, 4, "bad indentation: the line is indented by 3 spaces, but the keys and items above it are indented by 4, 2 or 0; indent it like the key or item it goes with (yaml: did not find expected '-' indicator)"},
		{"a key more indented than its siblings", "rules:\n  - id: x\n    target: account\n      when: y\n",
			4, 7, "bad indentation: the line is indented by 6 spaces, but the keys and items above it are indented by 4, 2 or 0; indent it like the key or item it goes with (yaml: mapping values are not allowed in this context)"},
		{"a nested key", "rules:\n  - id: x\n    ground:\n      kind: a\n     reference: b\n",
			5, 6, "bad indentation: the line is indented by 5 spaces, but the keys and items above it are indented by 6, 4, 2 or 0; indent it like the key or item it goes with (yaml: did not find expected key)"},
		{"a list item", "rules:\n- id: x\n  target: a\n - id: y\n",
			4, 2, "bad indentation: the line is indented by 1 space, but the keys and items above it are indented by 2 or 0; indent it like the key or item it goes with (yaml: did not find expected key)"},
		{"a tab", "rules:\n  - id: x\n\ttarget: account\n",
			3, 1, "the line is indented with a tab: YAML indents with spaces only (yaml: found a tab character that violates indentation)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := locate(t, tc.src)
			assert.Equal(t, Syntax{tc.line, tc.col, tc.msg}, got)
		})
	}
}

// A line indented under a key that opens a block is not an indentation
// problem, however deep: the error is elsewhere.
func TestLocateIndentationUnderABlock(t *testing.T) {
	got := locate(t, "rules:\n  - id: x\n    ground:\n         kind: a: b\n")
	assert.Equal(t, Syntax{4, 17, "mapping values are not allowed in this context"}, got)
}

// Every error of a generated file lies inside it, however it is cut.
func TestLocateInsideTheFile(t *testing.T) {
	src := "rules:\n  - id: x\n    message: \"a\" + b\n    target: account\n   when: y\n"
	for cut := 1; cut <= len(src); cut++ {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(src[:cut]), &n)
		if err == nil {
			continue
		}
		lines := strings.Split(src[:cut], "\n")
		got := Locate(lines, Messages(err)[0], Unmarshal)
		if got.Line == 0 {
			continue
		}
		require.LessOrEqual(t, got.Line, len(lines), "cut at %d", cut)
		assert.True(t, got.Column >= 1 && got.Column <= len(lines[got.Line-1])+1, "cut at %d: %+v", cut, got)
		assert.NotEmpty(t, got.Message)
	}
}

// BenchmarkLocate places a syntax error on the last line of files of 1,000
// and 3,000 rules: the bisections parse O(log n) prefixes, so the time
// grows as n log n.
func BenchmarkLocate(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		var src strings.Builder
		src.WriteString("rules:\n")
		for i := range n {
			fmt.Fprintf(&src, "  - id: r%d\n    target: account\n", i)
		}
		src.WriteString("    message: \"a\" + b\n")
		lines := strings.Split(src.String(), "\n")
		var node yaml.Node
		err := yaml.Unmarshal([]byte(src.String()), &node)
		require.Error(b, err)
		msg := Messages(err)[0]
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if got := Locate(lines, msg, Unmarshal); got.Line != len(lines)-1 {
					b.Fatalf("located at %+v", got)
				}
			}
		})
	}
}

// Bytes that are not UTF-8 are one character each: the column stays
// within the line, whatever the file holds.
func TestLocateInvalidUTF8(t *testing.T) {
	for _, src := range []string{"\xbc", "0\xf0", "name: \xff\xfe: x\n", "a:\n  - \xc3: [\n"} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(src), &n)
		if err == nil {
			continue
		}
		lines := strings.Split(src, "\n")
		got := Locate(lines, Messages(err)[0], Unmarshal)
		if got.Line > 0 {
			assert.LessOrEqual(t, got.Column, len(lines[got.Line-1])+1, "%q", src)
		}
	}
}
