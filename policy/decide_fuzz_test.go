package policy_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// FuzzDecide decides arbitrary cases on the default policy, seeded with the
// inputs of the fixture cases. Deciding never panics; an error means no
// decision; a decision is pure and keeps the promises of the guards.
func FuzzDecide(f *testing.F) {
	paths, err := filepath.Glob("../testdata/cases/*.yaml")
	require.NoError(f, err)
	for _, p := range paths {
		file, err := policytest.Load(p)
		require.NoError(f, err)
		if file.Policy != "" {
			continue
		}
		for _, c := range file.Cases {
			b, err := yaml.Marshal(c.Input)
			require.NoError(f, err)
			f.Add(b)
		}
	}
	engine := policy.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		var c policy.Case
		if yaml.Unmarshal(data, &c) != nil {
			return
		}
		d, err := engine.Decide(context.Background(), c)
		if err != nil {
			require.Zero(t, d, "an error means no decision")
			return
		}
		again, err := engine.Decide(context.Background(), c)
		require.NoError(t, err)
		require.Equal(t, d, again, "deciding twice must give the same decision")
		checkPromises(t, engine, c, d)
	})
}

// checkPromises asserts what every decision of the default policy keeps.
func checkPromises(t *testing.T, engine *policy.Engine, c policy.Case, d policy.Decision) {
	t.Helper()
	require.True(t, d.Penalty.AppliesTo(c.Target), "%s cannot be given to a %s", d.Penalty, c.Target)
	require.Equal(t, engine.Policy(), d.Policy)
	require.True(t, d.At.Equal(c.Now))
	if d.Penalty == policy.PenaltyNone {
		require.Empty(t, d.Rule)
		return
	}
	require.NotEmpty(t, d.Rule)
	require.NotEmpty(t, d.Reason, "due process: a penalty carries its reason")
	require.NotEmpty(t, d.Appeal.Route, "due process: a penalty carries its appeal route")
	var winner *policy.Violation
	for i := range c.Violations {
		if c.Violations[i].ID == d.Violation {
			winner = &c.Violations[i]
		}
	}
	require.NotNil(t, winner, "the decision names one of the case's violations")
	if d.Penalty.Level() > policy.PenaltyWarn.Level() && !winner.VerifiedAt(c.Now) {
		// Double judgment: only a group's provisional restriction, pending review.
		require.Equal(t, policy.TargetGroup, c.Target)
		require.Equal(t, policy.PenaltyRestrict, d.Penalty)
		require.True(t, d.PendingReview)
	}
	if c.Target == policy.TargetAccount && !d.Role.Leads() {
		// No collective punishment: a member is penalised only for their own act.
		require.Equal(t, c.Account.ID, winner.Actor)
	}
	for _, g := range d.Guards {
		require.LessOrEqual(t, g.To.Level(), g.From.Level(), "a guard never raises a penalty")
	}
}
