package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The canonical layout of a policy or fixture file, which warden fmt
// writes:
//
//   - two spaces of indentation, a block list indented under its key;
//   - keys, values, styles and order as written: a plain value stays plain,
//     a quoted one quoted, a flow mapping {a: 1} or list [a, b] stays on
//     one line, a block text (| or >) keeps its lines;
//   - every comment kept where it was; the trailing comments of a run of
//     consecutive lines aligned one space after the longest of them;
//   - a blank line kept where the author left one between two entries (a
//     run of them becomes one), none at the start of a block or the end.
//
// Formatting never changes what a file means: the result is parsed again
// and compared, node by node and comment by comment, with the input.

// layoutIndent is the indentation of one level.
const layoutIndent = 2

// formatYAML returns the canonical layout of a YAML document.
func formatYAML(file string, src []byte) ([]byte, error) {
	doc, err := parseStream(file, src)
	if err != nil {
		return nil, err
	}
	// The parser does not always give a comment after the end of a block
	// to the node the layout wrote it after; laid out again, such a
	// comment settles where the parser puts it. Each round keeps the
	// meaning and the comments of the input, and the result is the first
	// layout that lays out to itself.
	// Line breaks are written \n, as YAML reads \r\n the same.
	cur, tree := bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), doc
	for range maxLayoutRounds {
		l := &layout{src: strings.Split(string(cur), "\n")}
		l.document(tree)
		out := l.bytes()
		again, err := parseStream(file, out)
		if err == nil {
			err = sameTree(doc, again)
		}
		if err == nil && !slices.Equal(comments(doc), comments(again)) {
			err = errors.New("a comment would move out of the file")
		}
		if err != nil {
			return nil, &inputError{file: file, msg: "cannot format this file without changing it: " + err.Error()}
		}
		if bytes.Equal(out, cur) {
			return out, nil
		}
		cur, tree = out, again
	}
	return nil, &inputError{file: file, msg: fmt.Sprintf("cannot format this file: its comments do not settle in %d layouts", maxLayoutRounds)}
}

// maxLayoutRounds bounds the layouts formatYAML tries before one lays out
// to itself.
const maxLayoutRounds = 4

// parseStream parses src, which must hold at most one YAML document.
func parseStream(file string, src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			// No document: at most comments, which the parser drops.
			doc := &yaml.Node{Kind: yaml.DocumentNode}
			var c []string
			for line := range strings.Lines(string(src)) {
				c = append(c, strings.TrimSpace(line))
			}
			doc.HeadComment = strings.TrimSpace(strings.Join(c, "\n"))
			return doc, nil
		}
		if _, perr := parseDocument(file, src); perr != nil {
			return nil, perr
		}
		return nil, yamlError(file, 0, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			return nil, yamlError(file, 0, err)
		}
		return nil, &inputError{file: file, line: line, msg: "a second YAML document: a policy or fixture file holds one"}
	}
	return &doc, nil
}

// layout writes a node tree in the canonical layout.
type layout struct {
	src   []string // the source, by line (line n is src[n-1])
	lines []outLine
}

// outLine is a line of output and its trailing comment.
type outLine struct {
	text, comment string
	block         bool // a line of a block text, which no comment alignment crosses
}

func (l *layout) emit(text, comment string) {
	l.lines = append(l.lines, outLine{text: strings.TrimRight(text, " "), comment: comment})
}

// blank adds a blank line unless the output is at its start or after one
// (the last line of a block text that keeps its final line breaks, |+,
// may be one).
func (l *layout) blank() {
	if n := len(l.lines); n > 0 && (l.lines[n-1].text != "" || l.lines[n-1].comment != "") {
		l.lines = append(l.lines, outLine{})
	}
}

// commentLines writes a head or foot comment at the indentation, keeping
// the blank lines inside it.
func (l *layout) commentLines(indent int, c string) {
	if c == "" {
		return
	}
	for _, line := range strings.Split(c, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			l.blank()
			continue
		}
		l.emit(strings.Repeat(" ", indent)+line, "")
	}
}

// blankBefore reports whether the source has a blank line before the node
// at line, above the comments and the lines of anchors and tags ("- &a")
// that open it.
func (l *layout) blankBefore(line int) bool {
	i := line - 2 // the line before, as an index of src
	for ; i >= 0 && i < len(l.src); i-- {
		t := strings.TrimSpace(l.src[i])
		if !strings.HasPrefix(t, "#") && !propsLineRE.MatchString(t) {
			break
		}
	}
	return i >= 0 && i < len(l.src) && strings.TrimSpace(l.src[i]) == ""
}

// propsLineRE matches a line that holds only list dashes, anchors and tags.
var propsLineRE = regexp.MustCompile(`^(- *)*((&|!)[^ ]*( +|$))+$|^-$`)

func (l *layout) document(doc *yaml.Node) {
	l.commentLines(0, doc.HeadComment)
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if doc.HeadComment != "" && l.blankBefore(root.Line) {
			l.blank()
		}
		if isBlock(root) && (nodeProps(root) != "" || root.Kind == yaml.SequenceNode && nodeProps(root.Content[0]) != "") {
			// The parser reads a comment before "&anchor" or "- &anchor"
			// on a line of its own as the head comment of the first entry
			// of the collection: write it there.
			root = moveHead(root)
		}
		if props := nodeProps(root); isBlock(root) && (props != "" || root.LineComment != "") {
			l.emit(props, root.LineComment)
			root = &yaml.Node{Kind: root.Kind, Style: root.Style, Tag: root.Tag, Content: root.Content, Line: root.Line}
		}
		switch {
		case isBlock(root) && root.Kind == yaml.MappingNode:
			l.commentLines(0, root.HeadComment)
			l.mapping(root, 0, "")
		case isBlock(root) && root.Kind == yaml.SequenceNode:
			l.commentLines(0, root.HeadComment)
			l.sequence(root, 0, "")
		default:
			l.commentLines(0, root.HeadComment)
			l.value(root, 0, "", "")
			l.foot(root, 0)
		}
	}
	if doc.FootComment != "" {
		first, _, _ := strings.Cut(strings.TrimSpace(doc.FootComment), "\n")
		for i := len(l.src) - 1; i > 0; i-- {
			if strings.TrimSpace(l.src[i]) == first {
				if strings.TrimSpace(l.src[i-1]) == "" {
					l.blank()
				}
				break
			}
		}
		l.commentLines(0, doc.FootComment)
	}
}

// moveHead returns a copy of a collection with its head comment moved to
// its first entry (recursively, when that entry is a collection with an
// anchor or tag).
func moveHead(n *yaml.Node) *yaml.Node {
	if !isBlock(n) || n.HeadComment == "" {
		return n
	}
	moved, first := *n, *n.Content[0]
	first.HeadComment = joinHeads(n.HeadComment, first.HeadComment)
	moved.HeadComment = ""
	next := &first
	if nodeProps(next) != "" {
		next = moveHead(next)
	}
	moved.Content = append([]*yaml.Node{next}, n.Content[1:]...)
	return &moved
}

// joinHeads joins two head comments of one node, as they are in the source.
func joinHeads(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// mapping writes a block mapping at indent. The first key goes after
// prefix ("- " of a list item) when prefix is not empty.
func (l *layout) mapping(n *yaml.Node, indent int, prefix string) {
	pad := strings.Repeat(" ", indent)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		lead := pad
		if i == 0 && prefix != "" {
			lead = prefix
		} else {
			if i > 0 && l.blankBefore(k.Line) {
				l.blank()
			}
			l.commentLines(indent, k.HeadComment)
		}
		l.value(v, indent, lead+scalarText(k, true)+":", k.LineComment)
		l.foot(v, indent)
		l.foot(k, indent)
	}
}

// sequence writes a block list at indent. The first item goes after
// prefix when prefix is not empty.
func (l *layout) sequence(n *yaml.Node, indent int, prefix string) {
	pad := strings.Repeat(" ", indent)
	for i, item := range n.Content {
		// A collection starts on the line of its dash unless a comment
		// must come first: the head comment of its first entry, when
		// the dash itself follows another (- - a).
		first := i == 0 && prefix != ""
		inline := isBlock(item) && item.Anchor == "" && item.Style&yaml.TaggedStyle == 0 && item.LineComment == "" &&
			(!first || item.Content[0].HeadComment == "")
		if !inline && isBlock(item) && nodeProps(item) != "" {
			item = moveHead(item)
		}
		lead := pad
		if first {
			lead = prefix
		} else {
			if i > 0 && l.blankBefore(item.Line) {
				l.blank()
			}
			l.commentLines(indent, item.HeadComment)
			if inline && item.Kind == yaml.MappingNode {
				l.commentLines(indent, item.Content[0].HeadComment)
			}
		}
		switch {
		case inline && item.Kind == yaml.MappingNode:
			l.mapping(item, indent+layoutIndent, lead+"- ")
		case inline && item.Kind == yaml.SequenceNode:
			l.sequence(item, indent+layoutIndent, lead+"- ")
		default:
			l.value(item, indent, lead+"-", "")
		}
		l.foot(item, indent)
	}
}

// foot writes a node's foot comment, after a blank line when the source
// has one there, at the indentation of the node: the parser gives a
// comment after the last entry of a block to that entry, wherever it
// stands, and the layout says so.
func (l *layout) foot(n *yaml.Node, indent int) {
	if n.FootComment == "" {
		return
	}
	first, _, _ := strings.Cut(strings.TrimSpace(n.FootComment), "\n")
	for i := n.Line; i < len(l.src); i++ {
		if strings.TrimSpace(l.src[i]) == first {
			if strings.TrimSpace(l.src[i-1]) == "" {
				l.blank()
			}
			break
		}
	}
	l.commentLines(indent, n.FootComment)
}

// value writes the value n after lead ("key:" or "-"), at the indentation
// of the entry; comment is the entry's own line comment.
func (l *layout) value(n *yaml.Node, indent int, lead string, comment string) {
	props := nodeProps(n)
	if lead != "" {
		lead += " "
	}
	comment = joinComments(comment, n.LineComment)
	child := indent + layoutIndent
	switch {
	case n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0):
		l.blockText(n, lead+props, child, comment)
	case isBlock(n) && n.Kind == yaml.MappingNode:
		l.emit(lead+props, comment)
		l.mapping(n, child, "")
	case isBlock(n) && n.Kind == yaml.SequenceNode:
		l.emit(lead+props, comment)
		l.sequence(n, child, "")
	default:
		text := flowText(n)
		l.emit(lead+props+text, comment)
	}
}

// nodeProps renders a node's anchor and explicit tag, with a space after.
func nodeProps(n *yaml.Node) string {
	var b strings.Builder
	if n.Anchor != "" {
		b.WriteString("&" + n.Anchor + " ")
	}
	if n.Style&yaml.TaggedStyle != 0 {
		b.WriteString(n.Tag + " ")
	}
	return b.String()
}

func joinComments(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// isBlock reports whether a collection is written in block style: one not
// written in flow style, or one whose inner nodes carry comments, which a
// line cannot hold. An empty collection is written in flow style.
func isBlock(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return false
	}
	return n.Style&yaml.FlowStyle == 0 || innerComments(n)
}

func innerComments(n *yaml.Node) bool {
	for _, c := range n.Content {
		if c.HeadComment != "" || c.LineComment != "" || c.FootComment != "" || innerComments(c) {
			return true
		}
	}
	return false
}

// flowText renders a scalar, an alias or a flow collection on one line.
func flowText(n *yaml.Node) string {
	switch n.Kind {
	case yaml.AliasNode:
		return "*" + n.Value
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			parts = append(parts, strings.TrimRight(nodeProps(k)+flowText(k)+": "+nodeProps(v)+flowText(v), " "))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, nodeProps(c)+flowText(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return scalarText(n, false)
}

// scalarText renders a scalar on one line in the style it was written in:
// plain, single-quoted or double-quoted. A block text, or a plain or
// single-quoted value that holds a line break, is double-quoted.
func scalarText(n *yaml.Node, key bool) string {
	if n.Kind != yaml.ScalarNode {
		return flowText(n)
	}
	s := n.Value
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
	case n.Style&yaml.SingleQuotedStyle != 0 && !strings.Contains(s, "\n"):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(s, "\n"):
		if s == "" && key {
			return `""`
		}
		return s
	}
	return doubleQuoted(s)
}

// doubleQuoted renders s as a YAML double-quoted scalar.
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError || r == 0xfeff {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// blockText writes a block text (| or >) with its lines as written,
// indented at indent. Its header and lines are read from the source, as
// the parsed value of a folded text no longer has them.
func (l *layout) blockText(n *yaml.Node, lead string, indent int, comment string) {
	header := l.src[n.Line-1]
	col := byteCol(header, n.Column)
	header = header[col:]
	// The node's column is that of its anchor or tag when it has one.
	header = header[max(strings.IndexAny(header, "|>"), 0):]
	if end := strings.IndexAny(header, " \t#"); end >= 0 {
		header = header[:end]
	}
	explicit := 0
	for _, r := range header[1:] {
		if r >= '1' && r <= '9' {
			explicit = int(r - '0')
		}
	}
	if explicit > 0 {
		indent = indent - layoutIndent + explicit
	}
	// The text's lines are those indented at least as its first line
	// (less the spaces that line's value starts with), with the blank
	// lines among them; an empty text has none.
	var body []string
	contentCol := -1
	if strings.TrimSpace(n.Value) == "" {
		for range strings.Count(n.Value, "\n") {
			body = append(body, "")
		}
	} else {
		lead := 0
		for _, line := range strings.Split(n.Value, "\n") {
			if line != "" {
				lead = len(line) - len(strings.TrimLeft(line, " "))
				break
			}
		}
		for i := n.Line; i < len(l.src); i++ {
			line := l.src[i]
			ind := len(line) - len(strings.TrimLeft(line, " "))
			if strings.TrimSpace(line) == "" {
				body = append(body, "")
				continue
			}
			if contentCol < 0 {
				contentCol = ind - lead
			}
			if ind < contentCol {
				break
			}
			body = append(body, line[contentCol:])
		}
	}
	if !strings.Contains(header, "+") {
		for len(body) > 0 && body[len(body)-1] == "" {
			body = body[:len(body)-1]
		}
	} else if len(body) > 0 && body[len(body)-1] == "" && n.Line+len(body) >= len(l.src) {
		// The source's last line, after its final line break, is not a
		// line of the text.
		body = body[:len(body)-1]
	}
	l.emit(lead+header, comment)
	pad := strings.Repeat(" ", indent)
	for _, line := range body {
		text := ""
		if line != "" {
			text = pad + line
		}
		l.lines = append(l.lines, outLine{text: text, block: true})
	}
}

// byteCol returns the byte offset of the 1-based rune column col of line.
func byteCol(line string, col int) int {
	off := 0
	for i := 1; i < col && off < len(line); i++ {
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// bytes renders the lines, aligning the comments of each run of
// consecutive lines that have one.
func (l *layout) bytes() []byte {
	var b bytes.Buffer
	for i := 0; i < len(l.lines); {
		j, width := i, 0
		for j < len(l.lines) && l.lines[j].comment != "" && !l.lines[j].block {
			width = max(width, utf8.RuneCountInString(l.lines[j].text))
			j++
		}
		if j == i {
			b.WriteString(l.lines[i].text)
			b.WriteByte('\n')
			i++
			continue
		}
		for ; i < j; i++ {
			t := l.lines[i].text
			b.WriteString(t)
			if t != "" {
				b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(t)+1))
			}
			b.WriteString(l.lines[i].comment)
			b.WriteByte('\n')
		}
	}
	out := bytes.TrimRight(b.Bytes(), "\n")
	if len(out) == 0 {
		return nil
	}
	return append(out, '\n')
}

// sameTree compares two node trees: kinds, resolved tags, values, anchors
// and order. It names the first difference.
func sameTree(a, b *yaml.Node) error {
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Value != b.Value || a.Anchor != b.Anchor || len(a.Content) != len(b.Content) {
		return fmt.Errorf("the value at line %d would change", a.Line)
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

// comments lists every comment line of a tree, in order.
func comments(n *yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment} {
			out = appendCommentLines(out, c)
		}
		for _, c := range n.Content {
			walk(c)
		}
		out = appendCommentLines(out, n.FootComment)
	}
	walk(n)
	slices.Sort(out)
	return out
}

func appendCommentLines(out []string, c string) []string {
	for _, line := range strings.Split(c, "\n") {
		for _, part := range strings.Split(line, "#") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
