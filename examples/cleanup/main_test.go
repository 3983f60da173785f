package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
)

func TestCleanupReport(t *testing.T) {
	var out bytes.Buffer
	statements := filepath.Join(t.TempDir(), "statements.jsonl")
	require.NoError(t, run(context.Background(), &out, options{groups: 300, seed: synth.Default.Seed, statements: statements}))
	assert.Contains(t, out.String(), "Focus categories (csam, pii_trafficking)")
	assert.Contains(t, out.String(), "Funds frozen in banned accounts")

	data, err := os.ReadFile(statements)
	require.NoError(t, err)
	batches, err := dsa.ReadLines(bytes.NewReader(data))
	require.NoError(t, err, "JSON lines of valid batches, puids unique across the file")
	require.Greater(t, len(batches), 1)
	for _, b := range batches[:len(batches)-1] {
		require.Len(t, b.Statements, dsa.MaxBatch, "every line but the last is a full batch")
	}

	out.Reset()
	page := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, run(context.Background(), &out, options{groups: 50, seed: 1, asJSON: true, html: page}))
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	for _, chart := range []string{"headline", "groups", "accounts", "roles", "funds", "latency"} {
		assert.Contains(t, string(html), `<figure id="`+chart+`"`)
	}
	var report map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &report))
	assert.EqualValues(t, 50, report["cases"].(float64)+report["skipped"].(float64))
}

// -shards N prints the report of one run, and writes the same statements.
func TestCleanupShards(t *testing.T) {
	render := func(shards int) (string, []string) {
		var out bytes.Buffer
		statements := filepath.Join(t.TempDir(), "statements.jsonl")
		require.NoError(t, run(context.Background(), &out, options{groups: 400, seed: 7, shared: 0.1, shards: shards, asJSON: true, statements: statements}))
		f, err := os.Open(statements)
		require.NoError(t, err)
		defer f.Close()
		batches, err := dsa.ReadLines(f)
		require.NoError(t, err)
		var puids []string
		for _, b := range batches {
			for _, s := range b.Statements {
				puids = append(puids, s.PUID)
			}
		}
		slices.Sort(puids)
		return out.String(), puids
	}
	one, s1 := render(1)
	three, s3 := render(3)
	assert.Equal(t, one, three)
	assert.Equal(t, s1, s3)
	assert.NotEmpty(t, s1)
}
