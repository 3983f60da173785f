package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/groupwarden/warden/internal/yamlpos"
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
