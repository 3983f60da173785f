package appeal_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/policy"
)

// Two contests of one ban, both overturned: the claim releases once, and
// the action that returns the funds is the claim's, not the contest's, so
// an integrator who asks for it after each ruling still returns the funds
// once.
func TestTwoContestsReleaseOnce(t *testing.T) {
	plan := verifiedPlan(t)
	fcfg := funds.DefaultConfig()
	claims, _, err := fcfg.Open(plan)
	require.NoError(t, err)
	now := plan.At.Add(30 * 24 * time.Hour)
	ex := &enforcementtest.Executor{}
	for i, grounds := range []string{"not me", "the account was hijacked"} {
		contest, err := appeal.DefaultConfig().File(plan, "carol", plan.At.Add(time.Duration(i+1)*time.Hour), grounds)
		require.NoError(t, err)
		r, err := contest.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-9", At: plan.At.Add(time.Duration(7+i) * 24 * time.Hour), Reason: "hijacked"})
		require.NoError(t, err)
		require.NotEmpty(t, r.Releases)
		for _, rel := range r.Releases {
			c := claims[rel.Claim]
			after, err := fcfg.Apply(c, c.Next(rel.Event), now)
			if i == 1 {
				require.ErrorIs(t, err, funds.ErrRefused, "the claim was released by the first ruling")
				after = c
			} else {
				require.NoError(t, err)
			}
			claims[rel.Claim] = after
			a, ok := funds.ReleaseAction(after)
			require.True(t, ok)
			_, err = enforcement.Apply(context.Background(), &enforcement.Plan{ID: contest.ID, Actions: []enforcement.Action{a}}, ex)
			require.NoError(t, err, "an action applied already is skipped")
		}
	}
	var released []int64
	for _, a := range ex.Log() {
		if a.Kind == enforcement.ReleaseFunds {
			released = append(released, a.Holdings[0].Amount)
		}
	}
	assert.Len(t, released, countFor(plan, "carol"), "each of carol's holdings is released once: %v", released)
}

func countFor(plan *enforcement.Plan, account string) int {
	n := 0
	for _, f := range plan.Freezes() {
		if f.Account == account {
			n++
		}
	}
	return n
}

// Grounds and reasons of blank space or invisible characters are none.
func TestBlankGroundsAndReasons(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	for _, blank := range []string{" ", "\t\n", "\u200b", "\u3000"} {
		_, err := cfg.File(plan, "alice", plan.At.Add(time.Hour), blank)
		require.ErrorIs(t, err, appeal.ErrAppeal, "grounds %q", blank)
	}
	c, err := cfg.File(plan, "alice", plan.At.Add(time.Hour), "I had left")
	require.NoError(t, err)
	for _, blank := range []string{" ", "\u200b\u00a0"} {
		_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: "appeals-officer-1", At: plan.At.Add(2 * time.Hour), Reason: blank})
		require.ErrorIs(t, err, appeal.ErrAppeal, "reason %q", blank)
	}
	for _, blank := range []string{"\u200b", "\u00a0"} {
		_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: blank, At: plan.At.Add(2 * time.Hour), Reason: "fine"})
		require.ErrorIs(t, err, appeal.ErrAppeal, "by %q", blank)
	}
}

// A release names the account whose ban was lifted: applied by mistake to
// the claim of another account of the plan, whose ban stands, it is
// refused instead of returning that account's funds.
func TestReleaseOnlyTheAccountsClaims(t *testing.T) {
	plan := csamPlan(t)
	fcfg := funds.DefaultConfig()
	claims, _, err := fcfg.Open(plan)
	require.NoError(t, err)
	var others []string
	for _, f := range plan.Freezes() {
		if f.Account != "carol" {
			others = append(others, f.Claim)
		}
	}
	require.NotEmpty(t, others, "another banned account has funds")
	contest, err := appeal.DefaultConfig().File(plan, "carol", plan.At.Add(time.Hour), "not me")
	require.NoError(t, err)
	r, err := contest.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-9", At: plan.At.Add(48 * time.Hour), Reason: "hijacked"})
	require.NoError(t, err)
	require.NotEmpty(t, r.Releases)
	now := plan.At.Add(30 * 24 * time.Hour)
	for _, rel := range r.Releases {
		assert.Equal(t, "carol", rel.Event.Account)
		for _, id := range others {
			c := claims[id]
			after, err := fcfg.Apply(c, c.Next(rel.Event), now)
			require.ErrorIs(t, err, funds.ErrRefused, "carol's release on claim %s of %s", id, c.Account)
			path, _ := policy.PathOf(err)
			assert.Equal(t, "account", path)
			assert.Equal(t, c, after)
		}
		c := claims[rel.Claim]
		after, err := fcfg.Apply(c, c.Next(rel.Event), now)
		require.NoError(t, err)
		assert.Equal(t, funds.StatusReleased, after.Status)
		assert.Equal(t, c.Held, after.Released)
	}
}

// A resolution is stored and carried out later: it may not hold a time
// JSON cannot write (after year 9999). Near the end of time a ruling, or a
// reduced measure, that would end after policy.MaxTime is refused; what is
// accepted is stored.
func TestContestTimesCanBeStored(t *testing.T) {
	late := time.Date(9998, 12, 1, 0, 0, 0, 0, time.UTC) // evidence is kept a year
	plan := csamPlanWith(t, func(gc *enforcement.GroupCase) {
		shift := late.Sub(gc.Now)
		gc.Now = late
		for i := range gc.Violations {
			v := &gc.Violations[i]
			for _, tp := range []*time.Time{&v.Committed, &v.Detected} {
				if !tp.IsZero() {
					*tp = tp.Add(shift)
				}
			}
			for j := range v.Reviews {
				v.Reviews[j].At = v.Reviews[j].At.Add(shift)
			}
		}
	})
	contest, err := appeal.DefaultConfig().File(plan, "carol", late.Add(24*time.Hour), "not me")
	require.NoError(t, err)
	b, err := json.Marshal(contest)
	require.NoError(t, err, "the contest is stored")
	var back appeal.Contest
	require.NoError(t, json.Unmarshal(b, &back))

	ruling := appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-9", At: late.AddDate(1, 1, 1), Reason: "hijacked"}
	_, err = back.Resolve(ruling)
	require.ErrorIs(t, err, appeal.ErrAppeal, "ruled in year 10000")
	assert.Equal(t, appeal.CodeOutsideWindow, policy.CodeOf(err))

	ruling.At = late.Add(48 * time.Hour)
	ruling.Disposition, ruling.Penalty, ruling.Duration = appeal.DispositionReduced, policy.PenaltySuspend, policy.Duration(400*24*time.Hour)
	_, err = back.Resolve(ruling)
	require.ErrorIs(t, err, appeal.ErrAppeal, "a suspension that would end in year 10000")
	assert.Equal(t, appeal.CodeInvalidContest, policy.CodeOf(err))

	ruling.Duration = policy.Duration(7 * 24 * time.Hour)
	r, err := back.Resolve(ruling)
	require.NoError(t, err)
	_, err = json.Marshal(r)
	require.NoError(t, err, "the resolution is stored")
}
