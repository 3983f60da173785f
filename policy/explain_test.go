package policy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
)

// fixtureInputs returns every input of the fixture cases with its engine.
func fixtureInputs(t *testing.T) []struct {
	name string
	e    *policy.Engine
	c    policy.Case
} {
	t.Helper()
	paths, err := filepath.Glob("../testdata/cases/*.yaml")
	require.NoError(t, err)
	var out []struct {
		name string
		e    *policy.Engine
		c    policy.Case
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var f struct {
			Policy string `yaml:"policy"`
			Cases  []struct {
				Name  string      `yaml:"name"`
				Input policy.Case `yaml:"input"`
			} `yaml:"cases"`
		}
		require.NoError(t, yaml.Unmarshal(data, &f), p)
		e := policy.Default()
		if f.Policy != "" {
			pp := filepath.Join(filepath.Dir(p), f.Policy)
			src, err := os.ReadFile(pp)
			require.NoError(t, err)
			e, err = policy.Compile(pp, src)
			require.NoError(t, err)
		}
		for _, c := range f.Cases {
			out = append(out, struct {
				name string
				e    *policy.Engine
				c    policy.Case
			}{filepath.Base(p) + "/" + c.Name, e, c.Input})
		}
	}
	return out
}

// Explain is Decide with a tracer: the same decision, and a trace whose
// matches are the decision's.
func TestExplainIsDecideTraced(t *testing.T) {
	ctx := context.Background()
	n := 0
	for _, in := range fixtureInputs(t) {
		d, derr := in.e.Decide(ctx, in.c)
		x, xerr := in.e.Explain(ctx, in.c)
		require.Equal(t, derr, xerr, in.name)
		if derr != nil {
			continue
		}
		n++
		require.Equal(t, d, x.Decision, in.name)
		type key struct{ rule, violation string }
		matched := map[key]bool{}
		for _, m := range d.Matches {
			matched[key{m.Rule, m.Violation}] = true
		}
		traced := map[key]bool{}
		for _, r := range x.Rules {
			k := key{r.Rule, r.Violation}
			assert.False(t, traced[k], "%s: %s traced twice for %s", in.name, r.Rule, r.Violation)
			traced[k] = true
			assert.Equal(t, matched[k], r.Matched, "%s: %s on %s", in.name, r.Rule, r.Violation)
			if r.Skipped != "" {
				assert.False(t, r.Matched, in.name)
				assert.Empty(t, r.Error, in.name)
			}
		}
		// Every rule of the target is traced against every violation.
		rules := 0
		for _, ri := range in.e.Rules() {
			if ri.Target == in.c.Target {
				rules++
			}
		}
		assert.Len(t, x.Rules, rules*len(in.c.Violations), in.name)
	}
	require.Greater(t, n, 50)
}

// The trace shows the values the penalty expression and the winning
// rule's message read, not only the condition's.
func TestExplainShowsPenaltyAndMessageReads(t *testing.T) {
	src := []byte(`name: reads
version: "1"
appeal: {route: "https://example.com/appeal"}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
rules:
  - id: by-reports
    target: account
    when: subject.is_actor
    penalty: 'violation.reports > 2 ? penalty.suspend : penalty.warn'
    duration: 7d
    message: '"posted in " + group.id + " as " + subject.id'
    ground: {kind: contractual, reference: "terms 4.2"}
`)
	e, err := policy.Compile("reads.yaml", src)
	require.NoError(t, err)
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	x, err := e.Explain(context.Background(), policy.Case{
		Target:  policy.TargetAccount,
		Group:   policy.Group{ID: "g1", Owner: "o", Members: 2},
		Account: &policy.Account{ID: "u1"},
		Violations: []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityLow, Actor: "u1",
			Evidence: policy.Evidence{Reports: []policy.Report{{Source: policy.SourceUser}}}}},
		Now: now,
	})
	require.NoError(t, err)
	require.Len(t, x.Rules, 1)
	r := x.Rules[0]
	assert.True(t, r.Matched)
	assert.Equal(t, []policy.Binding{{Name: "subject.is_actor", Value: "true"}}, r.Reads)
	assert.Equal(t, []policy.Binding{{Name: "violation.reports", Value: "1"}}, r.PenaltyReads)
	assert.Equal(t, []policy.Binding{{Name: "group.id", Value: `"g1"`}, {Name: "subject.id", Value: `"u1"`}}, r.MessageReads)
	assert.Equal(t, "posted in g1 as u1", x.Decision.Reason)
}
