package yamlpos

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// FilePosition maps a position inside a CEL expression (line from 1, column
// from 0, both counted in characters, as cel-go reports them) to the 1-based
// line and column, in characters, in the YAML file whose scalar node holds
// the expression. lines are the file's lines.
//
// The expression is node.Value, the scalar as YAML decoded it: indentation
// removed, lines folded, quotes and escapes resolved. FilePosition walks the
// file text from the start of the scalar and matches the non-blank
// characters of the value one by one, decoding quote escapes as it goes (a
// doubled quote in single quotes; \" \\ \xNN and the others in double
// quotes); everything in between is indentation, line breaks or escape
// syntax. The mapping is exact for every style (plain, quoted, literal and
// folded, on one line or several) at any non-blank character. A position
// on a blank character or past the end of the value maps to just after the
// last non-blank character before it, or to the scalar (its opening quote,
// its | or > indicator) when there is none.
func FilePosition(node *yaml.Node, lines []string, celLine, celCol int) (int, int) {
	var m Mapper
	return m.FilePosition(node, lines, celLine, celCol)
}

// Mapper is [FilePosition] for many positions: it maps the whole of the
// last scalar it was asked about once, so that each further position in it
// costs constant time. The mapping of a scalar is linear in its text, so
// mapping any number of positions is linear in the file (a one-line
// expression with thousands of errors included). The zero Mapper is ready
// to use; it is not safe for concurrent use.
type Mapper struct {
	node  *yaml.Node
	lines []string
	// starts holds the index in the value of the start of each of its
	// lines; pos the file position of each character of the value, and of
	// the end of the value last.
	starts []int
	pos    [][2]int
	// text caches the characters of one line of the file: the scalars of a
	// one-line document all start on it.
	text lineCache
}

// lineCache holds the characters of the file's line n.
type lineCache struct {
	lines []string
	n     int
	text  []rune
}

func (c *lineCache) line(lines []string, n int) []rune {
	if c.n != n || len(c.lines) != len(lines) || len(lines) > 0 && &c.lines[0] != &lines[0] {
		c.lines, c.n, c.text = lines, n, []rune(lines[n-1])
	}
	return c.text
}

// FilePosition is the package's FilePosition.
func (m *Mapper) FilePosition(node *yaml.Node, lines []string, celLine, celCol int) (int, int) {
	if m.node != node || len(m.lines) != len(lines) || len(lines) > 0 && &m.lines[0] != &lines[0] {
		m.build(node, lines)
	}
	i := len(m.pos) - 1
	if l := max(celLine, 1); l <= len(m.starts) {
		i = min(m.starts[l-1]+max(celCol, 0), i)
	}
	p := m.pos[i]
	return p[0], p[1]
}

// build maps every character of node's value to its file position.
func (m *Mapper) build(node *yaml.Node, lines []string) {
	m.node, m.lines = node, lines
	value := []rune(node.Value)
	m.starts = append(m.starts[:0], 0)
	for i, r := range value {
		if r == '\n' {
			m.starts = append(m.starts, i+1)
		}
	}
	m.pos = slices.Grow(m.pos[:0], len(value)+1)

	style := node.Style &^ (yaml.TaggedStyle | yaml.FlowStyle)
	s := scanner{lines: lines, style: style, line: max(node.Line, 1), col: max(node.Column, 1), cache: &m.text}
	// node.Line and node.Column are those of the scalar's tag or anchor, if
	// it has one, then of its quote or its | or > indicator.
	s.skipProperties()
	switch style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The text starts on the line after the indicator.
		s.line, s.col = s.line+1, 1
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		s.col++
	}
	// after is the position just after the last character matched; the
	// scalar's own position while none is. Once a character is not found,
	// every later one maps to it too.
	after := [2]int{max(node.Line, 1), max(node.Column, 1)}
	lost := false
	for _, r := range value {
		if lost || blank(r) {
			m.pos = append(m.pos, after)
			continue
		}
		line, col, width, ok := s.find(r)
		if !ok {
			lost = true
			m.pos = append(m.pos, after)
			continue
		}
		m.pos = append(m.pos, [2]int{line, col})
		after = [2]int{line, col + width}
	}
	m.pos = append(m.pos, after)
}

func blank(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// scanner reads the characters of a scalar's text in the file, from a
// 1-based line and column, one decoded character at a time.
type scanner struct {
	lines     []string
	style     yaml.Style
	line, col int
	text      []rune // the current line, from column 1
	textLine  int
	cache     *lineCache
}

// skipProperties moves past the tag and anchor (!tag, &anchor) that may
// precede a scalar on its line.
func (s *scanner) skipProperties() {
	if s.line > len(s.lines) {
		return
	}
	text := s.cache.line(s.lines, s.line)
	for s.col <= len(text) && (text[s.col-1] == '!' || text[s.col-1] == '&') {
		for s.col <= len(text) && !blank(text[s.col-1]) {
			s.col++
		}
		for s.col <= len(text) && blank(text[s.col-1]) {
			s.col++
		}
	}
}

// find advances to the next character of the file text that decodes to r
// and returns its position and the number of file characters it takes, then
// moves past it. It reports false at the end of the file.
func (s *scanner) find(r rune) (line, col, width int, ok bool) {
	for s.line <= len(s.lines) {
		if s.textLine != s.line {
			s.text, s.textLine = s.cache.line(s.lines, s.line), s.line
		}
		if s.col > len(s.text) {
			s.line, s.col = s.line+1, 1
			continue
		}
		c, w := s.decode(s.text[s.col-1:])
		line, col = s.line, s.col
		s.col += w
		if c == r {
			return line, col, w, true
		}
	}
	return 0, 0, 0, false
}

// decode returns the character that the start of text stands for in a
// scalar of the scanner's style, and how many characters of text it takes.
func (s *scanner) decode(text []rune) (rune, int) {
	switch {
	case s.style == yaml.SingleQuotedStyle && text[0] == '\'' && len(text) > 1 && text[1] == '\'':
		return '\'', 2
	case s.style == yaml.DoubleQuotedStyle && text[0] == '\\' && len(text) > 1:
		if r, ok := doubleEscapes[text[1]]; ok {
			return r, 2
		}
		digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[text[1]]
		if digits > 0 && len(text) >= 2+digits {
			if v, err := strconv.ParseUint(string(text[2:2+digits]), 16, 32); err == nil && v <= utf8.MaxRune {
				return rune(v), 2 + digits
			}
		}
		// An escaped line break, or an escape YAML rejects: the backslash alone.
		return '\\', 1
	}
	return text[0], 1
}

// doubleEscapes are the one-character escapes of double-quoted YAML scalars.
var doubleEscapes = map[rune]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
	'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\',
	'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}
