package yamlpos

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// statedLineRE finds the line yaml.v3 states at the start of a message.
var statedLineRE = regexp.MustCompile(`^line (\d+): `)

// Problem returns a yaml.v3 error message without its "yaml: " and
// "line N: " prefixes.
func Problem(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := statedLineRE.FindStringIndex(msg); m != nil {
		msg = msg[m[1]:]
	}
	return msg
}

// StatedLine returns the line a yaml.v3 error message states ("line N: ",
// counted as yaml.v3 counts it), or 0 when it states none.
func StatedLine(msg string) int {
	if m := statedLineRE.FindStringSubmatch(strings.TrimPrefix(msg, "yaml: ")); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line
	}
	return 0
}

// Messages splits a yaml.v3 error into its messages: one for a syntax
// error, one per value for a *yaml.TypeError.
func Messages(err error) []string {
	if te, ok := err.(*yaml.TypeError); ok {
		return te.Errors
	}
	return []string{err.Error()}
}

// Unmarshal parses data as YAML into a node, as parse functions for
// ErrorLine do.
func Unmarshal(data []byte) error {
	var n yaml.Node
	return yaml.Unmarshal(data, &n)
}

// ErrorLine returns the line, from 1, of the YAML syntax error msg (a
// message of [Messages]) in the file of the given lines, or 0 when it
// cannot tell. yaml.v3 gives a line only in the message, and for parser
// errors (as opposed to scanner errors) it is the zero-based line of the
// enclosing construct, not of the problem; for some errors there is none.
// As the parser reads the document in order, the problem is on the first
// line whose prefix of the file fails with the same problem: a shorter
// prefix parses, or fails otherwise (at its cut end). ErrorLine finds it by
// bisection, parsing prefixes with parse.
func ErrorLine(lines []string, msg string, parse func([]byte) error) int {
	want := Problem(msg)
	fails := func(n int) bool {
		err := parse([]byte(strings.Join(lines[:n], "\n")))
		if err == nil {
			return false
		}
		return slices.ContainsFunc(Messages(err), func(m string) bool { return Problem(m) == want })
	}
	n := len(lines)
	if n == 0 || !fails(n) {
		return 0
	}
	return 1 + sort.Search(n-1, func(i int) bool { return fails(i + 1) })
}
