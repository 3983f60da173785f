package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
)

// formatted are the files and directories kept in the canonical layout;
// CI fails when one is not. The broken-policy corpus is left out: its
// files say the line and column of the errors they expect, and some are
// not YAML at all.
var formatted = []string{
	"../../policy/default.yaml",
	"../../examples/custom-rules/policy.yaml",
	"../../testdata/cases",
	"../../testdata/eval",
	"../../testdata/plans",
	"../../testdata/policies/valid",
}

// TestFormatted is the CI check that the policies and fixtures of the
// repository are in the canonical layout: warden fmt -l lists none.
func TestFormatted(t *testing.T) {
	var stdout, stderr bytes.Buffer
	status := run(append([]string{"fmt", "-l"}, formatted...), nil, &stdout, &stderr)
	assert.Empty(t, stderr.String())
	assert.Equal(t, exitOK, status, "run warden fmt -w on these files:\n%s", stdout.String())
}

// yamlFiles lists every YAML file of the repository's test data.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../testdata", "../../policy", "../../examples", "testdata/input"} {
		m, err := expandPaths([]string{dir})
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

// Formatting any file that is YAML is idempotent and keeps its meaning and
// comments (formatYAML checks both, and fails when either breaks).
func TestFormatIdempotent(t *testing.T) {
	n := 0
	for _, file := range yamlFiles(t) {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		if _, err := parseStream(file, src); err != nil {
			continue // not one YAML document, on purpose
		}
		n++
		once, err := formatYAML(file, src)
		require.NoError(t, err, file)
		twice, err := formatYAML(file, once)
		require.NoError(t, err, file)
		assert.Equal(t, string(once), string(twice), "%s: formatting twice changes it", file)
		assert.Equal(t, strings.Count(string(src), "#"), strings.Count(string(once), "#"), "%s: a comment is lost", file)
	}
	assert.Greater(t, n, 40)
}

// Generated documents, written by yaml.v3 at a random indentation with
// every scalar style, flow and block collections, anchors and head, line
// and foot comments, format to a layout that keeps their meaning and formats to itself.
func TestFormatGenerated(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 14))
		root := genNode(rng, 0)
		if root.Kind == yaml.ScalarNode {
			root = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "top"}, root}}
		}
		root.HeadComment = "# generated " + fmt.Sprint(seed)
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2 + rng.IntN(4))
		require.NoError(t, enc.Encode(root))
		require.NoError(t, enc.Close())
		src := b.Bytes()
		once, err := formatYAML("gen.yaml", src)
		require.NoError(t, err, "seed %d:\n%s", seed, src)
		twice, err := formatYAML("gen.yaml", once)
		require.NoError(t, err, "seed %d:\n%s", seed, once)
		require.Equal(t, string(once), string(twice), "seed %d: from\n%s", seed, src)
		for line := range strings.Lines(string(once)) {
			indent := len(line) - len(strings.TrimLeft(line, " "))
			if !strings.HasPrefix(strings.TrimSpace(line), "#") && !blockTextLine(once, line) {
				require.Zero(t, indent%layoutIndent, "seed %d: %q", seed, line)
			}
		}
	}
}

// blockTextLine reports whether line may be a line of a block text, whose
// own indentation is kept.
func blockTextLine(doc []byte, line string) bool {
	return bytes.Contains(doc, []byte("|")) || bytes.Contains(doc, []byte(">"))
}

var genWords = []string{"spam", "a b", "it's", `say "hi"`, "x: y", "# not a comment", "true", "12", "2017-02-20T10:00:00Z", "", "ünï", "tab\there", "two\nlines", "trailing\n"}

func genNode(rng *rand.Rand, depth int) *yaml.Node {
	k := rng.IntN(10)
	if depth >= 4 {
		k = 0
	}
	var n *yaml.Node
	switch {
	case k < 5:
		n = &yaml.Node{Kind: yaml.ScalarNode, Value: genWords[rng.IntN(len(genWords))]}
		n.Style = []yaml.Style{0, 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}[rng.IntN(6)]
	case k < 8:
		n = &yaml.Node{Kind: yaml.MappingNode}
		for i := range rng.IntN(4) {
			key := &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprintf("k%d", i)}
			if rng.IntN(4) == 0 {
				key.HeadComment = "# head of k" + fmt.Sprint(i)
			}
			v := genNode(rng, depth+1)
			if rng.IntN(5) == 0 && v.Kind == yaml.ScalarNode && v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				v.LineComment = "# line"
			}
			if rng.IntN(8) == 0 {
				key.FootComment = "# foot of k" + fmt.Sprint(i)
			}
			n.Content = append(n.Content, key, v)
		}
	default:
		n = &yaml.Node{Kind: yaml.SequenceNode}
		for range rng.IntN(4) {
			n.Content = append(n.Content, genNode(rng, depth+1))
		}
	}
	if n.Kind != yaml.ScalarNode && rng.IntN(3) == 0 {
		n.Style = yaml.FlowStyle
	}
	if rng.IntN(12) == 0 {
		n.Anchor = fmt.Sprintf("a%d", depth)
	}
	return n
}

// The canonical layout of a hand-written file is what the golden session
// fmt-stdout shows; here, a few rules of it on their own.
func TestFormatRules(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"indentation", "a:\n    b: 1\n    c:\n    - 1\n", "a:\n  b: 1\n  c:\n    - 1\n"},
		{"blank lines collapse", "a: 1\n\n\n\nb: 2\n\n", "a: 1\n\nb: 2\n"},
		{"no blank at block start", "a:\n\n  b: 1\n", "a:\n  b: 1\n"},
		{"comments align in a run", "a: 1 # x\nbbbb: 2   # y\nc: 3\nd: 4      # z\n", "a: 1    # x\nbbbb: 2 # y\nc: 3\nd: 4 # z\n"},
		{"flow stays on a line", "a: {  x: 1,\n  y: [ 1,2 ] }\n", "a: {x: 1, y: [1, 2]}\n"},
		{"quotes kept", "a: 'x'\nb: \"y\"\nc: z\n", "a: 'x'\nb: \"y\"\nc: z\n"},
		{"folded text keeps its lines", "a: >-\n      one\n      two\n", "a: >-\n  one\n  two\n"},
		{"anchors and aliases", "a: &x {b: 1}\nc: *x\n", "a: &x {b: 1}\nc: *x\n"},
		{"sequence of sequences", "-   - 1\n    - 2\n", "- - 1\n  - 2\n"},
		{"a text that keeps its line breaks", "a: |+\n    kept\n\nb: 1\n", "a: |+\n  kept\n\nb: 1\n"},
		{"a comment after the last entry of a block", "a:\n    b: 1\n    # end of a\nc: 2\n", "a:\n  b: 1\n  # end of a\nc: 2\n"},
		{"a blank line above an anchored item", "l:\n- 1\n\n- &x\n  k: 1\n", "l:\n  - 1\n\n  - &x\n    k: 1\n"},
		{"windows line breaks", "a:\r\n    b: |\r\n      text\r\n", "a:\n  b: |\n    text\n"},
		{"empty file", "", ""},
		{"only a comment", "# nothing\n", "# nothing\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := formatYAML("f.yaml", []byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

// -w rewrites only the files that change, keeping their permissions.
func TestFormatWriteKeepsMode(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a:\n    b: 1\n"), 0o600))
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"fmt", "-w", dir}, nil, &stdout, &stderr), stderr.String())
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "a:\n  b: 1\n", string(got))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// A unified diff, applied to the old text, gives the new one, for edits
// at the start, the end, in the middle and far apart, and for texts too
// large for the table of the shortest diff.
func TestUnifiedDiffApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 14))
	for k := range 200 {
		size := rng.IntN(30)
		if k%50 == 0 {
			size = 3000 // past maxDiffCells once the edits spread
		}
		var a []string
		for i := range size {
			a = append(a, fmt.Sprintf("line %d", i))
		}
		var b []string
		for _, line := range a {
			switch rng.IntN(6) {
			case 0: // dropped
			case 1:
				b = append(b, line, "added")
			case 2:
				b = append(b, "changed "+line)
			default:
				b = append(b, line)
			}
		}
		if rng.IntN(3) == 0 {
			b = append([]string{"first"}, b...)
		}
		old, new := joinLines(a), joinLines(b)
		d := unifiedDiff("f", old, new)
		if string(old) == string(new) {
			assert.Nil(t, d)
			continue
		}
		assert.Equal(t, string(new), string(applyDiff(t, old, d)), "diff:\n%s", d)
	}
}

func joinLines(lines []string) []byte {
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// applyDiff applies a unified diff, checking every context and removed
// line against the old text.
func applyDiff(t *testing.T, old, diff []byte) []byte {
	t.Helper()
	a := splitLines(old)
	var out []string
	next := 0
	lines := splitLines(diff)[2:]
	for i := 0; i < len(lines); i++ {
		var start int
		_, err := fmt.Sscanf(lines[i], "@@ -%d", &start)
		require.NoError(t, err, lines[i])
		if !strings.Contains(strings.Fields(lines[i])[1], ",") || !strings.HasSuffix(strings.Fields(lines[i])[1], ",0") {
			start-- // the first line, counted from 1; an empty range names the line before
		}
		out = append(out, a[next:start]...)
		next = start
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			l := lines[i]
			switch l[0] {
			case ' ', '-':
				require.Equal(t, a[next], l[1:])
				next++
				if l[0] == ' ' {
					out = append(out, l[1:])
				}
			case '+':
				out = append(out, l[1:])
			}
		}
	}
	out = append(out, a[next:]...)
	return joinLines(out)
}

// restyle rewrites a policy's nodes in random styles that keep their
// values: plain, quoted or block text scalars, block or flow collections
// (the top one block), head and line comments outside flow collections
// (where yaml.v3 cannot write them).
func restyle(rng *rand.Rand, n *yaml.Node, depth int, flow bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		restyle(rng, n.Content[0], depth, false)
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle}
			if !flow && !strings.HasSuffix(n.Value, " ") && !strings.HasPrefix(n.Value, " ") {
				styles = append(styles, yaml.LiteralStyle)
				if !strings.Contains(n.Value, "\n") {
					// yaml.v3 writes a folded text with indented lines
					// that reads back otherwise.
					styles = append(styles, yaml.FoldedStyle)
				}
			}
			n.Style = styles[rng.IntN(len(styles))]
		}
		if !flow && rng.IntN(10) == 0 && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.LineComment = "# said"
		}
	case yaml.MappingNode, yaml.SequenceNode:
		n.Style = 0
		if flow || depth > 0 && rng.IntN(4) == 0 {
			n.Style, flow = yaml.FlowStyle, true
		}
		for i, c := range n.Content {
			if !flow && rng.IntN(12) == 0 && (n.Kind == yaml.SequenceNode || i%2 == 0) {
				c.HeadComment = fmt.Sprintf("# note %d", i)
			}
			restyle(rng, c, depth+1, flow)
		}
	}
}

// Policies generated from the repository's, each node in a random style
// at a random indentation, some with CRLF line ends: warden fmt lays each
// out to a file that formats to itself and compiles to the same policy,
// its digest (the hash of its canonical form, which decides) unchanged.
func TestFormatKeepsThePolicy(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/policies/valid/*.yaml")
	require.NoError(t, err)
	paths = append(paths, "../../policy/default.yaml")
	n, refused := 0, 0
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		want, err := policy.Compile(p, src)
		if err != nil {
			continue
		}
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, uint64(len(p))))
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal(src, &doc))
			restyle(rng, &doc, 0, false)
			var b bytes.Buffer
			enc := yaml.NewEncoder(&b)
			enc.SetIndent(2 + rng.IntN(4))
			require.NoError(t, enc.Encode(&doc))
			require.NoError(t, enc.Close())
			gen := b.Bytes()
			if rng.IntN(3) == 0 {
				gen = bytes.ReplaceAll(gen, []byte("\n"), []byte("\r\n"))
			}
			before, err := policy.Compile(p, gen)
			require.NoError(t, err, "%s seed %d:\n%s", p, seed, gen)
			require.Equal(t, want.Policy().Digest, before.Policy().Digest, "%s seed %d: the generated file is the same policy", p, seed)
			once, err := formatYAML(p, gen)
			if err != nil {
				// fmt may refuse a layout it cannot keep; it never
				// writes one that changes the policy.
				require.Contains(t, err.Error(), "cannot format this file", "%s seed %d", p, seed)
				refused++
				continue
			}
			twice, err := formatYAML(p, once)
			require.NoError(t, err, "%s seed %d", p, seed)
			require.Equal(t, string(once), string(twice), "%s seed %d: from\n%s", p, seed, gen)
			after, err := policy.Compile(p, once)
			require.NoError(t, err, "%s seed %d:\n%s", p, seed, once)
			require.Equal(t, want.Policy().Digest, after.Policy().Digest, "%s seed %d: formatted\n%s", p, seed, once)
			n++
		}
	}
	require.Greater(t, n, 100)
	require.Less(t, refused, n/10, "fmt lays out most generated policies")
}
