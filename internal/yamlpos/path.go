package yamlpos

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Find returns the node at a field path such as violations[0].category
// (the path syntax of policy.Problem), or the deepest node on the way when
// the path goes beyond what the document holds: a required field that is
// absent points at its parent.
func Find(root *yaml.Node, path string) *yaml.Node {
	n := root
	for _, seg := range segments(path) {
		next := Child(n, seg)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// Child returns the value of key seg in a mapping, or the element at index
// seg (a decimal number) of a sequence, following an alias; nil when there
// is none.
func Child(n *yaml.Node, seg string) *yaml.Node {
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

// segments splits a.b[2].c into a, b, 2, c.
func segments(path string) []string {
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
