package appeal_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// fixturePlans plans every group case of testdata/plans on the default policy.
func fixturePlans(f *testing.F) []*enforcement.Plan {
	f.Helper()
	paths, err := filepath.Glob("../testdata/plans/*.yaml")
	require.NoError(f, err)
	planner := enforcement.NewPlanner(policy.Default())
	var plans []*enforcement.Plan
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(f, err)
		var fx struct {
			Case enforcement.GroupCase `yaml:"case"`
		}
		require.NoError(f, yaml.Unmarshal(src, &fx), p)
		plan, err := planner.Plan(context.Background(), fx.Case)
		require.NoError(f, err, p)
		plans = append(plans, plan)
	}
	require.NotEmpty(f, plans)
	return plans
}

// requireContestError checks that err is a refusal of the appeals package.
func requireContestError(t *testing.T, err error) {
	t.Helper()
	var ce *appeal.ContestError
	require.True(t, errors.As(err, &ce), "%T %v is not a *ContestError", err, err)
	require.ErrorIs(t, err, appeal.ErrAppeal)
	require.NotEmpty(t, ce.Code)
	require.Equal(t, ce.Code, policy.CodeOf(err))
}

// FuzzContest files appeals against the plans of testdata/plans and rules
// on them: any member, any time, any grounds, any disposition, person,
// penalty and duration, the contest stored as JSON between filing and
// ruling or not. An error means no contest or no resolution and is a coded
// refusal. A contest is only for an account the plan penalises, within its
// window, and filing the same appeal again gives the same contest. A
// resolution is ruled by no reviewer of the violation, never after
// filing; upheld keeps the penalty and does nothing, overturned lifts it
// with the plan's undo actions, reduced lowers it; action keys are unique;
// the funds are released, one event a claim, exactly when a ban is lifted;
// and ruling twice gives the same resolution.
func FuzzContest(f *testing.F) {
	plans := fixturePlans(f)
	for i, p := range plans {
		for j, m := range p.Members {
			for d := range 4 {
				f.Add(uint8(i), uint8(j), int64(24*(j+1)), "I never saw the content", uint8(d), "appeals-officer-"+m.Account.ID, int64(48), "the evidence does not hold", uint8(d+1), int64(24*d), d%2 == 0)
			}
		}
	}
	f.Add(uint8(0), uint8(0), int64(-1), "", uint8(9), "", int64(-100), "", uint8(200), int64(-1), true)
	cfg := appeal.DefaultConfig()
	f.Fuzz(func(t *testing.T, planIdx, member uint8, filedH int64, grounds string, disp uint8, by string, ruledH int64, reason string, penalty uint8, durH int64, stored bool) {
		plan := plans[int(planIdx)%len(plans)]
		account := plan.Members[int(member)%len(plan.Members)].Account.ID
		filed := plan.At.Add(time.Duration(filedH%(24*400)) * time.Hour)
		c, err := cfg.File(plan, account, filed, grounds)
		var d *policy.Decision
		for i := range plan.Decisions {
			if plan.Decisions[i].Subject == account {
				d = &plan.Decisions[i]
			}
		}
		if err != nil {
			require.Nil(t, c, "an error means no contest")
			requireContestError(t, err)
			return
		}
		require.NotNil(t, d, "%s, whom the plan does not penalise, filed an appeal", account)
		require.NotEqual(t, policy.PenaltyNone, d.Penalty)
		require.Equal(t, *d, c.Decision)
		require.False(t, filed.Before(d.At), "filed before the decision")
		require.False(t, filed.After(d.At.AddDate(1, 0, 0)), "filed a year after the decision")
		require.NotEmpty(t, grounds)
		again, err := cfg.File(plan, account, filed, grounds)
		require.NoError(t, err)
		require.Equal(t, c, again, "filing the same appeal twice gives the same contest")
		if stored {
			b, err := json.Marshal(c)
			require.NoError(t, err)
			var loaded appeal.Contest
			require.NoError(t, json.Unmarshal(b, &loaded))
			c = &loaded
		}

		r := appeal.Ruling{
			Disposition: appeal.Disposition(disp % 5), By: by, Reason: reason,
			At:      filed.Add(time.Duration(ruledH%(24*400)) * time.Hour),
			Penalty: policy.Penalty(penalty % 8), Duration: policy.Duration(time.Duration(durH%(24*400)) * time.Hour),
		}
		res, err := c.Resolve(r)
		if err != nil {
			require.Nil(t, res, "an error means no resolution")
			requireContestError(t, err)
			return
		}
		for _, rv := range c.Reviewers {
			require.False(t, funds.SamePerson(rv, by), "reviewer %q rules as %q", rv, by)
		}
		require.NotEmpty(t, strings.TrimSpace(by))
		require.NotEmpty(t, reason)
		require.False(t, r.At.Before(c.FiledAt), "ruled before filing")
		keys := map[string]bool{}
		for i, a := range res.Actions {
			require.Equal(t, i+1, a.Seq)
			require.False(t, keys[a.Key], "key %s twice", a.Key)
			keys[a.Key] = true
			require.Equal(t, account, a.Subject, "a ruling acts on the appellant only")
		}
		switch r.Disposition {
		case appeal.DispositionUpheld:
			require.Equal(t, d.Penalty, res.Penalty)
			require.Equal(t, d.Duration, res.Duration)
			require.Empty(t, res.Actions, "an upheld penalty needs nothing done")
		case appeal.DispositionOverturned:
			require.Equal(t, policy.PenaltyNone, res.Penalty)
			require.Equal(t, withoutSeq(c.Undo), withoutSeq(res.Actions), "overturning undoes the plan's measures")
		case appeal.DispositionReduced:
			lower := res.Penalty.Level() < d.Penalty.Level() || res.Penalty == d.Penalty && res.Duration < d.Duration
			require.True(t, lower, "%s %s is not lower than %s %s", res.Penalty, res.Duration, d.Penalty, d.Duration)
			require.Len(t, res.Actions, len(c.Undo)+1)
			require.True(t, strings.HasPrefix(res.Actions[len(res.Actions)-1].Key, c.ID), "the reduced measure is keyed by its contest")
		default:
			t.Fatalf("resolved with disposition %d", r.Disposition)
		}
		lifted := d.Penalty == policy.PenaltyBan && res.Penalty != policy.PenaltyBan
		if lifted {
			require.Len(t, res.Releases, len(c.Claims), "a lifted ban releases every claim")
		} else {
			require.Empty(t, res.Releases, "funds are released only when a ban is lifted")
		}
		twice, err := c.Resolve(r)
		require.NoError(t, err)
		require.Equal(t, res, twice, "ruling twice gives the same resolution")
	})
}

// withoutSeq returns the actions with their place left out.
func withoutSeq(actions []enforcement.Action) []enforcement.Action {
	out := make([]enforcement.Action, len(actions))
	for i, a := range actions {
		a.Seq = 0
		out[i] = a
	}
	return out
}
