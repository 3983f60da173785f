package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/benchcpu"
)

// aliasBomb is a group case whose one anchored violation holds n reviews,
// each with an unknown field, and is listed n times more by alias: a file
// of O(n) bytes that stands for n² reviews.
func aliasBomb(n int) string {
	var b strings.Builder
	b.WriteString("group: {id: g, owner: o, members: 1}\nviolations:\n  - &v\n    id: v1\n    reviews:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - {reviewer: r%d, verdict: confirmed, colour: red}\n", i)
	}
	for range n {
		b.WriteString("  - *v\n")
	}
	return b.String()
}

// TestMisfitsWalkAnAnchorOnce: the locator followed every alias into its
// anchor, so the misfits of an anchor were found (and the walk done) once
// per alias: n² for this file. It now walks an anchored value once.
func TestMisfitsWalkAnAnchorOnce(t *testing.T) {
	const n = 500
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(aliasBomb(n)), &doc))
	all := misfits(doc.Content[0], &enforcement.GroupCase{})
	require.Len(t, all, n, "one misfit per review, whatever the aliases")
	assert.Equal(t, "violations[0].reviews[0].colour", all[0].path)
}

func BenchmarkMisfitsAliases(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		var doc yaml.Node
		require.NoError(b, yaml.Unmarshal([]byte(aliasBomb(n)), &doc))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			defer benchcpu.Report(b)()
			for b.Loop() {
				misfits(doc.Content[0], &enforcement.GroupCase{})
			}
		})
	}
}
