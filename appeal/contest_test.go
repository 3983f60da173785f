package appeal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/policy"
)

// csamPlan is the plan of testdata/plans/csam_verified.yaml: alice (owner,
// with funds), bob (admin) and carol (the poster, with funds) banned.
func csamPlan(t *testing.T) *enforcement.Plan {
	t.Helper()
	return csamPlanWith(t, nil)
}

// csamPlanWith plans the case after edit, as csamPlan does.
func csamPlanWith(t *testing.T, edit func(gc *enforcement.GroupCase)) *enforcement.Plan {
	t.Helper()
	data, err := os.ReadFile("../testdata/plans/csam_verified.yaml")
	require.NoError(t, err)
	var f struct {
		Reason string                `yaml:"reason"`
		Case   enforcement.GroupCase `yaml:"case"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&f))
	if edit != nil {
		edit(&f.Case)
	}
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	return plan
}

func TestAppealWindow(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	_, err := cfg.File(plan, "alice", plan.At.Add(184*24*time.Hour), "I never saw the content")
	require.ErrorIs(t, err, appeal.ErrAppeal, "the policy's window is 183 days")
	_, err = cfg.File(plan, "alice", plan.At.Add(-time.Hour), "early")
	require.ErrorIs(t, err, appeal.ErrAppeal)
	_, err = cfg.File(plan, "dave", plan.At.Add(time.Hour), "I was not penalised")
	require.ErrorIs(t, err, appeal.ErrAppeal, "nothing to contest")
	_, err = cfg.File(plan, "alice", plan.At.Add(time.Hour), "")
	require.ErrorIs(t, err, appeal.ErrAppeal, "an appeal gives its grounds")
	c, err := cfg.File(plan, "alice", plan.At.Add(182*24*time.Hour), "I had left the group before the upload")
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltyBan, c.Decision.Penalty)
	assert.Equal(t, []string{"reviewer-7"}, c.Reviewers)
}

func TestOverturnedBanUndoesThePlanAndReleasesFunds(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	c, err := cfg.File(plan, "alice", plan.At.Add(48*time.Hour), "I had left the group before the upload")
	require.NoError(t, err)

	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "reviewer-7", At: plan.At.Add(72 * time.Hour), Reason: "left before"})
	require.ErrorIs(t, err, appeal.ErrAppeal, "the original reviewer may not decide the appeal")
	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "", At: plan.At.Add(72 * time.Hour), Reason: "left before"})
	require.ErrorIs(t, err, appeal.ErrAppeal, "a person decides")

	r, err := c.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-1", At: plan.At.Add(72 * time.Hour), Reason: "the membership log shows she left the day before"})
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltyNone, r.Penalty)
	kinds := []enforcement.ActionKind{}
	for _, a := range r.Actions {
		kinds = append(kinds, a.Kind)
		assert.Equal(t, "alice", a.Subject)
		assert.NotEmpty(t, a.Key)
	}
	assert.Equal(t, []enforcement.ActionKind{enforcement.ReinstateAccount}, kinds)
	require.Len(t, r.Releases, 1, "alice's wallet is released through its claim")
	assert.Equal(t, funds.EventReleased, r.Releases[0].Event.Kind)
	assert.Equal(t, "appeals-officer-1", r.Releases[0].Event.By)
	for _, a := range r.Actions {
		assert.NotEqual(t, enforcement.PreserveEvidence, a.Kind, "evidence is never undone")
	}
	// The undo actions are the plan's own, so their keys are stable.
	for _, a := range plan.Actions {
		if a.Subject == "alice" && a.Kind == enforcement.BanAccount {
			assert.Equal(t, a.Undo.Key, r.Actions[0].Key)
		}
	}
}

func TestReducedBanBecomesASuspension(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	c, err := cfg.File(plan, "bob", plan.At.Add(24*time.Hour), "I was an admin only in name")
	require.NoError(t, err)
	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionReduced, By: "appeals-officer-2", At: plan.At.Add(48 * time.Hour), Reason: "x", Penalty: policy.PenaltyBan})
	require.ErrorIs(t, err, appeal.ErrAppeal, "a reduction is lower")
	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionReduced, By: "appeals-officer-2", At: plan.At.Add(48 * time.Hour), Reason: "x", Penalty: policy.PenaltySuspend})
	require.ErrorIs(t, err, appeal.ErrAppeal, "a suspension has a duration")
	r, err := c.Resolve(appeal.Ruling{Disposition: appeal.DispositionReduced, By: "appeals-officer-2", At: plan.At.Add(48 * time.Hour), Reason: "no management rights in practice", Penalty: policy.PenaltySuspend, Duration: policy.Duration(30 * 24 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, r.Actions, 2, "bob holds no funds: undo the ban, then suspend")
	assert.Equal(t, enforcement.ReinstateAccount, r.Actions[0].Kind)
	assert.Equal(t, enforcement.SuspendAccount, r.Actions[1].Kind)
	assert.Equal(t, plan.At.Add(30*24*time.Hour), r.Actions[1].Until)

	c, err = cfg.File(plan, "carol", plan.At.Add(24*time.Hour), "not me")
	require.NoError(t, err)
	up, err := c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: "appeals-officer-2", At: plan.At.Add(48 * time.Hour), Reason: "the hash match and the review stand"})
	require.NoError(t, err)
	assert.Empty(t, up.Actions, "an upheld ban changes nothing")
	assert.Equal(t, policy.PenaltyBan, up.Penalty)
}

// The undo actions apply through the same Executor as the plan; the funds
// come back through their claims.
func TestAppealActionsApplyThroughTheExecutor(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	ex := &enforcementtest.Executor{}
	_, err := enforcement.Apply(context.Background(), plan, ex)
	require.NoError(t, err)
	c, err := cfg.File(plan, "carol", plan.At.Add(time.Hour), "not me")
	require.NoError(t, err)
	r, err := c.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-9", At: plan.At.Add(2 * time.Hour), Reason: "the account was hijacked"})
	require.NoError(t, err)
	undo := &enforcement.Plan{ID: plan.ID + "-appeal", Actions: r.Actions}
	pr, err := enforcement.Apply(context.Background(), undo, ex)
	require.NoError(t, err)
	assert.Equal(t, 1, pr.Applied)
	assert.Equal(t, enforcement.ReinstateAccount, ex.Log()[len(ex.Log())-1].Kind)
	for _, a := range r.Actions {
		assert.NotEqual(t, enforcement.ReleaseFunds, a.Kind, "funds are released through their claims, not by the plan's holdings")
	}
	require.Len(t, r.Releases, 2, "both of carol's holdings have a claim to release")
}

// A contest is stored between filing and decision: it carries what
// resolving it needs.
func TestStoredContestResolves(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	c, err := cfg.File(plan, "alice", plan.At.Add(time.Hour), "I had left the group")
	require.NoError(t, err)
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	var stored appeal.Contest
	require.NoError(t, json.Unmarshal(raw, &stored))
	assert.Equal(t, *c, stored)
	r, err := stored.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-1", At: plan.At.Add(2 * time.Hour), Reason: "she had left"})
	require.NoError(t, err)
	require.Len(t, r.Actions, 1)
	require.Len(t, r.Releases, 1)
	assert.Equal(t, plan.Freezes()[0].Claim, r.Releases[0].Claim)
}

// Reviewers' names compare after normalisation.
func TestReviewerCannotRuleUnderAnotherSpelling(t *testing.T) {
	plan := csamPlan(t)
	c, err := appeal.DefaultConfig().File(plan, "alice", plan.At.Add(time.Hour), "I had left the group")
	require.NoError(t, err)
	for _, by := range []string{"Reviewer-7 ", " REVIEWER-7", "reviewer-7"} {
		_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: by, At: plan.At.Add(2 * time.Hour), Reason: "stands"})
		require.ErrorIs(t, err, appeal.ErrAppeal)
		assert.Equal(t, appeal.CodeReviewerRules, policy.CodeOf(err))
		path, _ := policy.PathOf(err)
		assert.Equal(t, "by", path)
	}
}

// A reviewer of any violation behind the decision, not only the winning
// one, judged part of the case and may not rule on its appeal.
func TestReviewerOfAnyMatchedViolationCannotRule(t *testing.T) {
	plan := csamPlanWith(t, func(gc *enforcement.GroupCase) {
		v := gc.Violations[0]
		v.ID = "v-csam-2"
		v.Reviews = []policy.Review{{Reviewer: "reviewer-9", Verdict: policy.VerdictConfirmed, At: v.Reviews[0].At}}
		gc.Violations = append(gc.Violations, v)
	})
	i := slices.IndexFunc(plan.Decisions, func(d policy.Decision) bool { return d.Subject == "carol" })
	require.GreaterOrEqual(t, i, 0)
	d := plan.Decisions[i]
	require.Equal(t, "v-csam-1", d.Violation, "the first violation decides")
	require.True(t, slices.ContainsFunc(d.Matches, func(m policy.Match) bool { return m.Violation == "v-csam-2" }), "the second is behind a match too")
	c, err := appeal.DefaultConfig().File(plan, "carol", plan.At.Add(time.Hour), "it was not me")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"reviewer-7", "reviewer-9"}, c.Reviewers)
	for _, by := range []string{"reviewer-7", "Reviewer-9"} {
		_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: by, At: plan.At.Add(2 * time.Hour), Reason: "stands"})
		assert.Equal(t, appeal.CodeReviewerRules, policy.CodeOf(err), by)
	}
	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionUpheld, By: "appeals-1", At: plan.At.Add(2 * time.Hour), Reason: "stands"})
	require.NoError(t, err)
}

// Two reductions of the same decision, on two contests, are two measures:
// the second is not skipped as done.
func TestReductionsHaveKeysPerContest(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	ex := &enforcementtest.Executor{}
	var keys []string
	for i, days := range []int{60, 30} {
		c, err := cfg.File(plan, "bob", plan.At.Add(time.Duration(i+1)*time.Hour), "I was an admin only in name")
		require.NoError(t, err)
		r, err := c.Resolve(appeal.Ruling{Disposition: appeal.DispositionReduced, By: "appeals-officer-2", At: plan.At.Add(48 * time.Hour),
			Reason: "no management rights", Penalty: policy.PenaltySuspend, Duration: policy.Duration(time.Duration(days) * 24 * time.Hour)})
		require.NoError(t, err)
		last := r.Actions[len(r.Actions)-1]
		keys = append(keys, last.Key)
		_, err = enforcement.Apply(context.Background(), &enforcement.Plan{ID: c.ID, Actions: r.Actions}, ex)
		require.NoError(t, err)
		assert.Equal(t, last, ex.Log()[len(ex.Log())-1], "the reduced measure of contest %d is applied", i+1)
	}
	assert.NotEqual(t, keys[0], keys[1])
}

// verifiedPlan is csamPlan with every member's holder of record verified.
func verifiedPlan(t *testing.T) *enforcement.Plan {
	t.Helper()
	return csamPlanWith(t, func(gc *enforcement.GroupCase) {
		for i := range gc.Members {
			gc.Members[i].Account.Holder = "Holder of " + gc.Members[i].Account.ID
			gc.Members[i].Account.RealNameVerified = true
		}
	})
}

// An overturned ban releases the funds through the claims: what was paid
// out is not released again, what is still held is released once.
func TestOverturnedBanReleasesOnlyWhatIsHeld(t *testing.T) {
	plan := verifiedPlan(t)
	fcfg := funds.DefaultConfig()
	claims, opening, err := fcfg.Open(plan)
	require.NoError(t, err)
	require.Len(t, opening, len(plan.Freezes()))
	again, _, err := fcfg.Open(plan)
	require.NoError(t, err)
	assert.Equal(t, claims, again, "opening a plan's claims again gives the same claims")

	// carol's wallet claim is paid out before her appeal is decided.
	var wallet, wm string
	for _, f := range plan.Freezes() {
		if f.Account == "carol" && f.Holding.Kind == policy.AssetWallet {
			wallet = f.Claim
		} else if f.Account == "carol" {
			wm = f.Claim
		}
	}
	require.NotEmpty(t, wallet)
	now := plan.At.Add(30 * 24 * time.Hour)
	c := claims[wallet]
	assert.Equal(t, "Holder of carol", c.Holder)
	for _, e := range []funds.Event{
		{ID: "o", Kind: funds.EventOpened, At: plan.At.Add(time.Hour), Channel: "customer-service hotline"},
		{ID: "i", Kind: funds.EventIdentityChecked, At: plan.At.Add(2 * time.Hour), By: "agent-1", Method: "phone", Holder: "holder of carol"},
		{ID: "d", Kind: funds.EventDeductionsClosed, At: plan.At.Add(3 * time.Hour), By: "agent-1"},
		{ID: "a", Kind: funds.EventApproved, At: plan.At.Add(4 * time.Hour), By: "supervisor-1"},
		{ID: "p", Kind: funds.EventPayoutRequested, At: plan.At.Add(5 * time.Hour), Destination: funds.Destination{Account: "bank", Name: "Holder of carol", Verified: true}},
		{ID: "ok", Kind: funds.EventPayoutConfirmed, At: plan.At.Add(6 * time.Hour), Reference: "p"},
	} {
		c, err = fcfg.Apply(c, c.Next(e), now)
		require.NoError(t, err, e.Kind.String())
	}
	claims[wallet] = c

	contest, err := appeal.DefaultConfig().File(plan, "carol", plan.At.Add(time.Hour), "not me")
	require.NoError(t, err)
	r, err := contest.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-9", At: plan.At.Add(7 * 24 * time.Hour), Reason: "the account was hijacked"})
	require.NoError(t, err)
	ex := &enforcementtest.Executor{}
	var released int64
	for _, rel := range r.Releases {
		c := claims[rel.Claim]
		after, err := fcfg.Apply(c, c.Next(rel.Event), now)
		if rel.Claim == wallet {
			var re *funds.RefusedError
			require.ErrorAs(t, err, &re, "the paid claim has nothing to release")
			continue
		}
		require.NoError(t, err)
		a, ok := funds.ReleaseAction(after)
		require.True(t, ok)
		require.NoError(t, ex.Apply(context.Background(), a))
		released += a.Holdings[0].Amount
		// The release applied twice (a retry) releases nothing more.
		retry, err := fcfg.Apply(after, after.Next(rel.Event), now)
		require.NoError(t, err)
		assert.Equal(t, after, retry)
	}
	assert.Equal(t, claims[wm].Frozen, released, "only the wealth-management holding, still held, is released")
}

// The appeal window is never shorter than six calendar months.
func TestAppealWindowIsSixCalendarMonths(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	// 2017-02-20 + 183 days is 2017-08-22; six calendar months is 2017-08-20,
	// so the 183-day window governs; a decision in July needs 184 days.
	_, err := cfg.File(plan, "alice", plan.At.AddDate(0, 6, 0), "late but in time")
	require.NoError(t, err)
	july := *plan
	july.Decisions = slices.Clone(plan.Decisions)
	for i := range july.Decisions {
		july.Decisions[i].At = time.Date(2027, 7, 1, 10, 0, 0, 0, time.UTC)
	}
	_, err = cfg.File(&july, "alice", time.Date(2028, 1, 1, 9, 0, 0, 0, time.UTC), "six months less an hour")
	require.NoError(t, err, "Jul 1 to Jan 1 is six months although 184 days")
	_, err = cfg.File(&july, "alice", time.Date(2028, 1, 1, 11, 0, 0, 0, time.UTC), "too late")
	require.ErrorIs(t, err, appeal.ErrAppeal)
}

func TestDispositionsRoundTrip(t *testing.T) {
	for d := appeal.DispositionUpheld; d.IsValid(); d++ {
		b, err := d.MarshalText()
		require.NoError(t, err)
		var back appeal.Disposition
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, d, back)
		p, err := appeal.ParseDisposition(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, p)
	}
	_, err := appeal.ParseDisposition("")
	require.Error(t, err)
	_, err = appeal.Disposition(0).MarshalText()
	require.Error(t, err)
	plan := csamPlan(t)
	c, err := appeal.DefaultConfig().File(plan, "alice", plan.At.Add(time.Hour), "I had left the group")
	require.NoError(t, err)
	_, err = c.Resolve(appeal.Ruling{Disposition: 9, By: "officer", At: plan.At.Add(2 * time.Hour), Reason: "x"})
	assert.Equal(t, appeal.CodeInvalidContest, policy.CodeOf(err))
	_, err = c.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "officer", At: plan.At.Add(2 * time.Hour), Reason: "x", Penalty: policy.PenaltyWarn})
	assert.Equal(t, appeal.CodeInvalidContest, policy.CodeOf(err), "only a reduction names a penalty")
}
