package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// sampleCases reads the group cases of the sample campaign, the slow way.
func sampleCases(t *testing.T) ([]string, []enforcement.GroupCase) {
	t.Helper()
	data, err := os.ReadFile(sample)
	require.NoError(t, err)
	var lines []string
	var cs []enforcement.GroupCase
	for line := range strings.Lines(string(data)) {
		var gc enforcement.GroupCase
		require.NoError(t, json.Unmarshal([]byte(line), &gc))
		lines = append(lines, line)
		cs = append(cs, gc)
	}
	require.NotEmpty(t, cs)
	return lines, cs
}

// The plans, statements and report a campaign writes are those the
// library gives for the same cases, one at a time.
func TestCampaignOutputsMatchTheLibrary(t *testing.T) {
	_, cs := sampleCases(t)
	dir := t.TempDir()
	plansFile, statementsFile := filepath.Join(dir, "plans.jsonl"), filepath.Join(dir, "statements.jsonl")
	var stdout, stderr bytes.Buffer
	status := run([]string{"campaign", "-json", "-plans", plansFile, "-statements", statementsFile, sample}, nil, &stdout, &stderr)
	require.Equal(t, exitOK, status, stderr.String())
	assert.Empty(t, stderr.String(), "no progress line when standard error is not a terminal")

	engine := policy.Default()
	planner := enforcement.NewPlanner(engine)
	var wantPlans bytes.Buffer
	var wantStatements []dsa.Statement
	write := func(p *enforcement.Plan, line any) error {
		b, err := json.Marshal(line)
		require.NoError(t, err)
		wantPlans.Write(append(b, '\n'))
		ss, err := dsa.FromPlan(p, engine)
		require.NoError(t, err)
		wantStatements = append(wantStatements, ss...)
		return nil
	}
	report, err := planner.Run(context.Background(), enforcement.Campaign{Name: "sample", Focus: []string{"csam", "pii_trafficking"}}, slices.Values(cs),
		enforcement.WithPlans(func(p *enforcement.Plan) error { return write(p, p) }),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error { return write(&a.Plan, a) }))
	require.NoError(t, err)
	gotPlans, err := os.ReadFile(plansFile)
	require.NoError(t, err)
	assert.Equal(t, wantPlans.String(), string(gotPlans), "one plan a line, in the order of the cases, then one per penalised account")

	data, err := os.ReadFile(statementsFile)
	require.NoError(t, err)
	batches, err := dsa.ReadLines(bytes.NewReader(data))
	require.NoError(t, err, "JSON lines of valid batches, puids unique across the file")
	var got []dsa.Statement
	for _, b := range batches {
		got = append(got, b.Statements...)
	}
	require.NotEmpty(t, wantStatements)
	assert.Equal(t, wantStatements, got)

	want, err := json.MarshalIndent(report, "", "  ")
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", stdout.String())
}

// An empty campaign writes no statement and no plan: an empty batch is
// not a request the database takes.
func TestCampaignEmpty(t *testing.T) {
	dir := t.TempDir()
	plansFile, statementsFile := filepath.Join(dir, "plans.jsonl"), filepath.Join(dir, "statements.jsonl")
	var stdout, stderr bytes.Buffer
	status := run([]string{"campaign", "-plans", plansFile, "-statements", statementsFile, "-"}, strings.NewReader("\n\n"), &stdout, &stderr)
	require.Equal(t, exitOK, status, stderr.String())
	assert.Contains(t, stdout.String(), "0 group cases planned")
	plans, err := os.ReadFile(plansFile)
	require.NoError(t, err)
	assert.Empty(t, plans)
	statements, err := os.ReadFile(statementsFile)
	require.NoError(t, err)
	assert.Empty(t, statements)
}

// The report does not depend on how many cases are planned at once.
func TestCampaignWorkersDoNotMatter(t *testing.T) {
	var outs []string
	for _, w := range []string{"1", "2", "7"} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run([]string{"campaign", "-json", "-workers", w, sample}, nil, &stdout, &stderr), stderr.String())
		outs = append(outs, stdout.String())
	}
	assert.Equal(t, outs[0], outs[1])
	assert.Equal(t, outs[0], outs[2])
}

// syncBuffer is a buffer that a command writes and a test reads at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A campaign plans its cases as they come: every case written so far is
// planned, and its progress shown, while the input is still open. A command
// that read its whole input first would wait here for the end.
func TestCampaignStreams(t *testing.T) {
	lines, _ := sampleCases(t)
	r, w := io.Pipe()
	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run([]string{"campaign", "-progress", "-every", "10", "-workers", "2", "-"}, r, &stdout, &stderr)
	}()

	half := len(lines) / 2
	half -= half % 10
	_, err := io.WriteString(w, strings.Join(lines[:half], ""))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(stderr.String(), "warden campaign: "+plural(half, "case")+" planned")
	}, 20*time.Second, 10*time.Millisecond, "the cases written so far are not planned while the input is open:\n%s", stderr.String())

	_, err = io.WriteString(w, strings.Join(lines[half:], ""))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Equal(t, exitOK, <-done, stderr.String())
	assert.Contains(t, stdout.String(), plural(len(lines), "group case")+" planned")

	// A progress line every ten cases, and one at the end.
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	n := 0
	for sc.Scan() {
		n++
		assert.Regexp(t, `^warden campaign: \d+ cases planned: \d+ groups? closed, \d+ accounts? banned$`, sc.Text())
	}
	assert.Equal(t, (len(lines)+9)/10, n)
}
