package celx

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// FilePosition maps a position inside a CEL expression (line from 1, column
// from 0, as cel-go reports them) to the 1-based line and column in the YAML
// file whose scalar node holds the expression. lines are the file's lines.
//
// Literal block scalars (`|`) map exactly; single-line plain and quoted
// scalars map exactly; folded and multi-line flow scalars map to the file
// line whose text holds the column, ignoring escape sequences.
func FilePosition(node *yaml.Node, lines []string, celLine, celCol int) (int, int) {
	if celLine < 1 {
		celLine = 1
	}
	switch node.Style {
	case yaml.LiteralStyle:
		line := node.Line + celLine
		return line, indent(lines, line) + celCol + 1
	case yaml.FoldedStyle:
		return walkFolded(lines, node.Line+1, celCol)
	}
	quote := 0
	if node.Style == yaml.DoubleQuotedStyle || node.Style == yaml.SingleQuotedStyle {
		quote = 1
	}
	if celLine > 1 {
		line := node.Line + celLine - 1
		return line, indent(lines, line) + celCol + 1
	}
	first := node.Column + quote // 1-based column of the expression's first character
	if width := lineLen(lines, node.Line) - first + 1; width > 0 && celCol >= width {
		// A plain or quoted scalar folded over several lines: the column runs on.
		line, col := walkFolded(lines, node.Line+1, celCol-width-1)
		return line, col
	}
	return node.Line, first + celCol
}

// walkFolded finds the file position of the offset-th character of folded
// text that starts on line start (lines joined by one space each).
func walkFolded(lines []string, start, offset int) (int, int) {
	line := start
	for offset >= 0 && line <= len(lines) {
		text := strings.TrimSpace(lines[line-1])
		if offset <= len(text) || line == len(lines) {
			return line, indent(lines, line) + offset + 1
		}
		offset -= len(text) + 1
		line++
	}
	return start, 1
}

func indent(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t"))
}

func lineLen(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 0
	}
	return len(strings.TrimRight(lines[line-1], " \t\r"))
}
