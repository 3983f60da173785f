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

// For a penalty a guard lowered, the trace says what would have raised it:
// a confirming review for the double judgment (with what the other guards
// would still do), the facts proportionality and no collective punishment
// ask for. A match no guard lowered has none.
func TestExplainSaysWhatWouldRaiseALoweredPenalty(t *testing.T) {
	src := []byte(`name: raises
version: "1"
appeal: {route: "https://example.com/appeal"}
categories:
  - {name: scam, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
rules:
  - id: ban-all
    target: account
    when: "true"
    penalty: ban
    message: '"banned"'
    ground: {kind: contractual, reference: "terms 4.2"}
`)
	e, err := policy.Compile("raises.yaml", src)
	require.NoError(t, err)
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	confirmed := []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}}
	classifier := policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.9}}}
	explain := func(account string, v ...policy.Violation) []policy.RuleTrace {
		x, err := e.Explain(context.Background(), policy.Case{
			Target: policy.TargetAccount, Group: policy.Group{ID: "g1", Owner: "o", Members: 3},
			Account: &policy.Account{ID: account}, Violations: v, Now: now,
		})
		require.NoError(t, err)
		return x.Rules
	}
	words := func(rs []policy.Raise) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.String())
		}
		return out
	}

	// Unverified and high: a review would raise the warning to a ban.
	r := explain("u1", policy.Violation{ID: "v12", Category: "scam", Severity: policy.SeverityHigh, Actor: "u1", Evidence: classifier})
	assert.Equal(t, []string{"would be a ban if violation v12 were confirmed by a reviewer"}, words(r[0].WouldBe))
	assert.Equal(t, policy.PenaltyBan, r[0].WouldBe[0].Penalty)

	// Unverified and medium: a review would leave proportionality's suspension.
	r = explain("u1", policy.Violation{ID: "v1", Category: "scam", Severity: policy.SeverityMedium, Actor: "u1", Evidence: classifier})
	assert.Equal(t, []string{"would be a suspension for 30d if violation v1 were confirmed by a reviewer"}, words(r[0].WouldBe))

	// Verified and medium: proportionality alone lowered the ban.
	r = explain("u1", policy.Violation{ID: "v6", Category: "scam", Severity: policy.SeverityMedium, Actor: "u1", Evidence: classifier, Reviews: confirmed})
	assert.Equal(t, []string{"would be a ban if violation v6 were of high or critical severity (it is medium), or category scam were zero-tolerance"}, words(r[0].WouldBe))

	// No technical identification at all: both halves are named.
	r = explain("u1", policy.Violation{ID: "v2", Category: "scam", Severity: policy.SeverityCritical, Actor: "u1"})
	assert.Equal(t, []string{"would be a ban if a technical identification supported violation v2 and a reviewer confirmed it"}, words(r[0].WouldBe))

	// A bystander: only their own act or their lead would make it a ban.
	r = explain("u2", policy.Violation{ID: "v3", Category: "scam", Severity: policy.SeverityCritical, Actor: "u1", Evidence: classifier, Reviews: confirmed})
	assert.Equal(t, []string{"would be a ban if u2 had committed violation v3, or were an owner or admin of the group"}, words(r[0].WouldBe))

	// Verified and critical: the ban stands, nothing to raise.
	r = explain("u1", policy.Violation{ID: "v4", Category: "scam", Severity: policy.SeverityCritical, Actor: "u1", Evidence: classifier, Reviews: confirmed})
	assert.Empty(t, r[0].WouldBe)

	// Rejected by a reviewer: nothing would raise it short of a new finding.
	rejected := []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictRejected, At: now.Add(-time.Hour)}}
	r = explain("u1", policy.Violation{ID: "v5", Category: "scam", Severity: policy.SeverityCritical, Actor: "u1", Evidence: classifier, Reviews: rejected})
	assert.Empty(t, r[0].WouldBe)
}
