package yamlpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestSegments(t *testing.T) {
	for path, want := range map[string][]string{
		"now":                            {"now"},
		"group.id":                       {"group", "id"},
		"violations[0].category":         {"violations", "0", "category"},
		"members[12].account.history[3]": {"members", "12", "account", "history", "3"},
	} {
		assert.Equal(t, want, segments(path), path)
	}
}

func TestFind(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("group: &g {id: g1}\nviolations:\n  - id: v1\n  - {id: v2, category: spam}\nagain: *g\n"), &doc))
	root := doc.Content[0]
	for path, want := range map[string]int{ // the line of the node found
		"violations[1].category": 4,
		"violations[0].id":       3,
		"violations[7].id":       3, // beyond the list: the list
		"violations[1].severity": 4, // absent: its parent
		"again.id":               1, // through the alias
		"":                       1,
	} {
		assert.Equal(t, want, Find(root, path).Line, path)
	}
	assert.Equal(t, "spam", Find(root, "violations[1].category").Value)
}

func TestErrorLine(t *testing.T) {
	src := "a: 1\nb: [1, 2\nc: 3\nd: 4\n"
	var n yaml.Node
	err := yaml.Unmarshal([]byte(src), &n)
	require.Error(t, err)
	lines := []string{"a: 1", "b: [1, 2", "c: 3", "d: 4", ""}
	line := ErrorLine(lines, Messages(err)[0], Unmarshal)
	assert.Equal(t, 2, line, "the first line whose prefix fails the same way: %v", err)
	assert.Equal(t, 0, ErrorLine(lines, "no such problem", Unmarshal))
	assert.Equal(t, 0, ErrorLine(nil, Messages(err)[0], Unmarshal))
	assert.Equal(t, 7, StatedLine("yaml: line 7: did not find expected key"))
	assert.Equal(t, "did not find expected key", Problem("yaml: line 7: did not find expected key"))
	assert.Equal(t, 0, StatedLine("yaml: no line"))
}
