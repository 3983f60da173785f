package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/groupwarden/warden/internal/yamlpos"
	"github.com/groupwarden/warden/policy/policytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// A fixture file with problems planted in random cases reports every one
// of them, at once, each with the field it is about, in the order of the
// file.
func TestFixtureProblemsAllReported(t *testing.T) {
	src, err := os.ReadFile(cases + "/members.yaml")
	require.NoError(t, err)
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 5))
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(src, &doc))
		list := yamlpos.Child(doc.Content[0], "cases")
		var want []string
		for i, c := range list.Content {
			switch rng.IntN(4) {
			case 0: // an unknown key in the input
				in := yamlpos.Child(c, "input")
				in.Content = append(in.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "colour"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "red"})
				want = append(want, fmt.Sprintf("cases[%d].input.colour: unknown field", i))
			case 1: // a misspelt penalty
				yamlpos.Child(yamlpos.Child(c, "expect"), "penalty").Value = "bann"
				want = append(want, fmt.Sprintf("cases[%d].expect.penalty: unknown penalty", i))
			case 2: // no reason
				for j := 0; j+1 < len(c.Content); j += 2 {
					if c.Content[j].Value == "reason" {
						c.Content = slices.Delete(c.Content, j, j+2)
						break
					}
				}
				want = append(want, fmt.Sprintf("cases[%d].reason: required", i))
			}
		}
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		require.NoError(t, enc.Encode(&doc))
		dir := t.TempDir()
		file := dir + "/fixtures.yaml"
		require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))
		_, err := loadFixtures(file, &env{})
		if len(want) == 0 {
			require.NoError(t, err)
			continue
		}
		require.Error(t, err)
		lines := strings.Split(err.Error(), "\n")
		require.Len(t, lines, len(want), "seed %d:\n%s", seed, err)
		for i, line := range lines {
			assert.Regexp(t, `^`+file+`:\d+:\d+: `, line)
			assert.Contains(t, line, want[i], "seed %d", seed)
		}
	}
}

// A fixture or case file is one YAML document: a second one after ---,
// which the YAML reader would drop, is refused at its line, so its cases
// (here the same file with every expected penalty changed, which fail)
// cannot pass by not running. A trailing --- with nothing after it stays
// one document.
func TestSecondDocumentRefused(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/cases/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	dir := t.TempDir()
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		second := strings.ReplaceAll(string(src), "penalty: ", "penalty: x")
		line := strings.Count(string(src), "\n") + 2 + firstContent(second)
		both := filepath.Join(dir, filepath.Base(p))
		require.NoError(t, os.WriteFile(both, append(append(src, "---\n"...), second...), 0o644))
		var out, errOut bytes.Buffer
		// The refusal comes before the policy the file names is read.
		assert.Equal(t, exitFail, run([]string{"test", both}, nil, &out, &errOut), p)
		assert.Contains(t, out.String(), fmt.Sprintf("%s:%d: a second YAML document after ---", both, line), p)
		assert.NotContains(t, out.String(), "PASS", p)

		_, err = policytest.Parse(p, append(append(src, "---\n"...), second...))
		require.Error(t, err, p)
		assert.Contains(t, err.Error(), fmt.Sprintf("%s:%d: a second YAML document after ---", p, line))

		_, err = policytest.Parse(p, append(src, "---\n"...))
		require.NoError(t, err, "%s: a trailing --- is no second document", p)
	}
	caseFile := filepath.Join(dir, "case.yaml")
	src, err := os.ReadFile(filepath.Join("play", "samples", "eval", "owner_csam.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(caseFile, append(append(src, "---\n"...), src...), 0o644))
	for _, cmd := range []string{"eval", "explain"} {
		var out, errOut bytes.Buffer
		assert.Equal(t, exitFail, run([]string{cmd, caseFile}, nil, &out, &errOut), cmd)
		line := strings.Count(string(src), "\n") + 2 + firstContent(string(src))
		assert.Contains(t, errOut.String(), fmt.Sprintf("%s:%d: a second YAML document", caseFile, line), cmd)
		assert.Empty(t, out.String(), cmd)
	}
}

// firstContent counts the comment and blank lines a YAML text starts with.
func firstContent(src string) int {
	n := 0
	for line := range strings.Lines(src) {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		n++
	}
	return n
}
