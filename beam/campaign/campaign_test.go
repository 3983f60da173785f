package campaign_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/beam/campaign"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

func TestMain(m *testing.M) { ptest.Main(m) }

var theCampaign = enforcement.Campaign{Name: "beam test campaign", From: synth.Start, To: synth.End, Focus: synth.Focus}

// writeCases writes the synthetic campaign as JSON lines over n files.
func writeCases(t testing.TB, dir string, cfg synth.Config, n int) []enforcement.GroupCase {
	var cases []enforcement.GroupCase
	files := make([]*bufio.Writer, n)
	for i := range files {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cases-%02d-of-%02d.jsonl", i, n)))
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		files[i] = bufio.NewWriter(f)
	}
	i := 0
	for gc := range synth.Cases(cfg) {
		b, err := json.Marshal(gc)
		require.NoError(t, err)
		files[i%n].Write(append(b, '\n'))
		cases = append(cases, gc)
		i++
	}
	for _, w := range files {
		require.NoError(t, w.Flush())
	}
	return cases
}

func readLines(t testing.TB, path string) []string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func planID(t testing.TB, line string) string {
	var p struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(line), &p))
	return p.ID
}

// The pipeline on Prism gives what the in-process campaign gives over the
// same cases: the same plans by id, the same statements, the same report.
func TestPipelineEqualsTheInProcessCampaign(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.Platform()
	cfg.Groups, cfg.Pool = 400, 60
	cases := writeCases(t, dir, cfg, 3)

	// The in-process campaign.
	engine := policy.Default()
	want := map[string]string{}
	var wantStatements []string
	keep := func(p *enforcement.Plan, v any) error {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		want[p.ID] = string(b)
		ss, err := dsa.FromPlan(p, engine)
		require.NoError(t, err)
		for _, s := range ss {
			wantStatements = append(wantStatements, s.PUID)
		}
		return nil
	}
	accounts := 0
	report, err := enforcement.NewPlanner(engine).Run(context.Background(), theCampaign, slices.Values(cases),
		enforcement.WithPlans(func(p *enforcement.Plan) error { return keep(p, p) }),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error { accounts++; return keep(&a.Plan, a) }))
	require.NoError(t, err)
	wantReport, err := json.MarshalIndent(report, "", "  ")
	require.NoError(t, err)
	require.Positive(t, accounts)

	// The pipeline.
	p, s := beam.NewPipelineWithRoot()
	prefix := filepath.Join(dir, "out")
	require.NoError(t, campaign.Write(s, campaign.Config{Campaign: theCampaign, StatementShards: 4}, filepath.Join(dir, "cases-*.jsonl"), prefix))
	require.NoError(t, ptest.Run(p))

	got := map[string]string{}
	for _, line := range readLines(t, prefix+"-plans.jsonl") {
		id := planID(t, line)
		require.NotContains(t, got, id, "one plan per id")
		got[id] = line
	}
	assert.Len(t, got, len(want))
	for id, w := range want {
		assert.JSONEq(t, w, got[id], id)
	}

	var gotStatements []string
	for _, line := range readLines(t, prefix+"-statements.jsonl") {
		var b dsa.Batch
		require.NoError(t, json.Unmarshal([]byte(line), &b))
		require.LessOrEqual(t, len(b.Statements), 100)
		require.NoError(t, b.Validate())
		for _, s := range b.Statements {
			gotStatements = append(gotStatements, s.PUID)
		}
	}
	slices.Sort(gotStatements)
	slices.Sort(wantStatements)
	assert.Equal(t, wantStatements, gotStatements)

	gotReport, err := os.ReadFile(prefix + "-report.json")
	require.NoError(t, err)
	assert.Equal(t, string(wantReport), strings.TrimSpace(string(gotReport)))
}
