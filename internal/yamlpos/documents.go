package yamlpos

import (
	"bytes"
	"io"

	"go.yaml.in/yaml/v3"
)

// SecondDocument returns the line of the first YAML document of data after
// its first that holds anything but null (yaml.Unmarshal reads the first
// and silently drops the others), or 0 when there is none or data is not
// YAML past its first document (an error reported by the reader).
func SecondDocument(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		return 0
	}
	for {
		var next yaml.Node
		switch err := dec.Decode(&next); {
		case err == io.EOF, err != nil:
			return 0
		case len(next.Content) > 0 && next.Content[0].Tag != "!!null":
			return next.Content[0].Line
		}
	}
}
