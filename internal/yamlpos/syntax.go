package yamlpos

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Syntax is a YAML syntax error placed in its file: the line and column,
// from 1 (0 when unknown), and the message, in plain words when the
// problem is the indentation.
type Syntax struct {
	Line, Column int
	Message      string
}

// Locate places the yaml.v3 syntax error msg (a message of [Messages]) in
// the file of the given lines, parsing prefixes of it with parse: the line
// as [ErrorLine] finds it (or as yaml.v3 states it), and the column of the
// first character of that line whose prefix of the file fails with the same
// problem, by bisection. When the line is indented by what no line before
// it opens, or with a tab, the problem is the indentation: the column is
// where the line's text starts, and the message says so in plain words,
// yaml.v3's own words after it.
func Locate(lines []string, msg string, parse func([]byte) error) Syntax {
	s := Syntax{Line: ErrorLine(lines, msg, parse), Message: Problem(msg)}
	if s.Line == 0 {
		s.Line = StatedLine(msg)
	}
	if s.Line <= 0 || s.Line > len(lines) {
		s.Line = max(s.Line, 0)
		return s
	}
	if col, hint := indentation(lines, s.Line-1); hint != "" {
		s.Column, s.Message = col, hint+" (yaml: "+s.Message+")"
		return s
	}
	s.Column = errorColumn(lines, s.Line-1, s.Message, parse)
	return s
}

// errorColumn returns the column, from 1, of the first character of line i
// whose prefix of the file fails with the problem want; 1 when none does.
func errorColumn(lines []string, i int, want string, parse func([]byte) error) int {
	line := lines[i]
	head := strings.Join(lines[:i], "\n")
	if i > 0 {
		head += "\n"
	}
	// ends are the byte offsets just past each character of the line.
	// A byte that is not UTF-8 counts as one character of one byte.
	var ends []int
	for j := 0; j < len(line); {
		_, w := utf8.DecodeRuneInString(line[j:])
		j += w
		ends = append(ends, j)
	}
	fails := func(k int) bool {
		err := parse([]byte(head + line[:ends[k]]))
		return err != nil && slices.ContainsFunc(Messages(err), func(m string) bool { return Problem(m) == want })
	}
	k := sort.Search(len(ends), fails)
	if k == len(ends) {
		return 1
	}
	return k + 1
}

// indentation tells whether line i is indented wrongly: by a tab, or by a
// number of spaces that none of the lines before it opens (the indentation
// of a key of an enclosing mapping or an item of an enclosing list, or,
// after a key with no value on its line, anything deeper). It returns the
// column where the line's text starts (or of the tab) and the message, or "" when the
// indentation is not the problem.
func indentation(lines []string, i int) (int, string) {
	line := lines[i]
	text := strings.TrimLeft(line, " \t")
	if text == "" || strings.HasPrefix(text, "#") {
		return 0, ""
	}
	lead := line[:len(line)-len(text)]
	col := utf8.RuneCountInString(lead) + 1
	if tab := strings.IndexByte(lead, '\t'); tab >= 0 {
		return tab + 1, "the line is indented with a tab: YAML indents with spaces only"
	}
	ind := len(lead)
	// levels are the indentations the lines before open, innermost first.
	var levels []int
	deeper := -1 // after a key that opens a block: any indentation above it
	for j := i - 1; j >= 0; j-- {
		prev := lines[j]
		t := strings.TrimLeft(prev, " ")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		pi := len(prev) - len(t)
		if len(levels) > 0 && pi >= levels[len(levels)-1] {
			continue // not an enclosing line
		}
		if len(levels) == 0 && opensBlock(t) {
			deeper = pi
		}
		// An item's content is indented past its "- ".
		for c := t; strings.HasPrefix(c, "- "); c = strings.TrimLeft(c[2:], " ") {
			if inner := len(prev) - len(strings.TrimLeft(c[2:], " ")); len(levels) == 0 || inner < levels[len(levels)-1] {
				levels = append(levels, inner)
			}
		}
		if len(levels) == 0 || pi < levels[len(levels)-1] {
			levels = append(levels, pi)
		}
		slices.SortFunc(levels, func(a, b int) int { return b - a })
		if pi == 0 {
			break
		}
	}
	if slices.Contains(levels, ind) || (deeper >= 0 && ind > deeper) || len(levels) == 0 {
		return 0, ""
	}
	at := make([]string, len(levels))
	for k, l := range levels {
		at[k] = fmt.Sprint(l)
	}
	list := strings.Join(at, ", ")
	if len(at) > 1 {
		list = strings.Join(at[:len(at)-1], ", ") + " or " + at[len(at)-1]
	}
	spaces := fmt.Sprintf("%d spaces", ind)
	if ind == 1 {
		spaces = "1 space"
	}
	return col, fmt.Sprintf("bad indentation: the line is indented by %s, but the keys and items above it are indented by %s; indent it like the key or item it goes with", spaces, list)
}

// opensBlock reports whether a line's text ends a key whose value starts
// on the next line (key:, key: |, key: >, or a bare -).
func opensBlock(t string) bool {
	if i := strings.Index(t, " #"); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimRight(t, " ")
	for _, end := range []string{":", ": |", ": >", ": |-", ": >-", ": |+", ": >+"} {
		if strings.HasSuffix(t, end) {
			return true
		}
	}
	return t == "-"
}
