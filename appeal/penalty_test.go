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
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/policy"
)

// csamPlan is the plan of testdata/plans/csam_verified.yaml: alice (owner,
// with funds), bob (admin) and carol (the poster, with funds) banned.
func csamPlan(t *testing.T) *enforcement.Plan {
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

	_, err = c.Resolve(appeal.Overturned, "reviewer-7", plan.At.Add(72*time.Hour), "left before", 0, 0)
	require.ErrorIs(t, err, appeal.ErrAppeal, "the original reviewer may not decide the appeal")
	_, err = c.Resolve(appeal.Overturned, "", plan.At.Add(72*time.Hour), "left before", 0, 0)
	require.ErrorIs(t, err, appeal.ErrAppeal, "a person decides")

	r, err := c.Resolve(appeal.Overturned, "appeals-officer-1", plan.At.Add(72*time.Hour), "the membership log shows she left the day before", 0, 0)
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltyNone, r.Penalty)
	kinds := []enforcement.ActionKind{}
	for _, a := range r.Actions {
		kinds = append(kinds, a.Kind)
		assert.Equal(t, "alice", a.Subject)
		assert.NotEmpty(t, a.Key)
	}
	assert.Equal(t, []enforcement.ActionKind{enforcement.ReinstateAccount, enforcement.ReleaseFunds}, kinds)
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
	_, err = c.Resolve(appeal.Reduced, "appeals-officer-2", plan.At.Add(48*time.Hour), "x", policy.PenaltyBan, 0)
	require.ErrorIs(t, err, appeal.ErrAppeal, "a reduction is lower")
	_, err = c.Resolve(appeal.Reduced, "appeals-officer-2", plan.At.Add(48*time.Hour), "x", policy.PenaltySuspend, 0)
	require.ErrorIs(t, err, appeal.ErrAppeal, "a suspension has a duration")
	r, err := c.Resolve(appeal.Reduced, "appeals-officer-2", plan.At.Add(48*time.Hour), "no management rights in practice", policy.PenaltySuspend, policy.Duration(30*24*time.Hour))
	require.NoError(t, err)
	require.Len(t, r.Actions, 2, "bob holds no funds: undo the ban, then suspend")
	assert.Equal(t, enforcement.ReinstateAccount, r.Actions[0].Kind)
	assert.Equal(t, enforcement.SuspendAccount, r.Actions[1].Kind)
	assert.Equal(t, plan.At.Add(30*24*time.Hour), r.Actions[1].Until)

	c, err = cfg.File(plan, "carol", plan.At.Add(24*time.Hour), "not me")
	require.NoError(t, err)
	up, err := c.Resolve(appeal.Upheld, "appeals-officer-2", plan.At.Add(48*time.Hour), "the hash match and the review stand", 0, 0)
	require.NoError(t, err)
	assert.Empty(t, up.Actions, "an upheld ban changes nothing")
	assert.Equal(t, policy.PenaltyBan, up.Penalty)
}

// An overturned ban's released funds and its executor: the undo actions
// apply through the same Executor as the plan.
func TestAppealActionsApplyThroughTheExecutor(t *testing.T) {
	cfg := appeal.DefaultConfig()
	plan := csamPlan(t)
	ex := &enforcementtest.Executor{}
	_, err := enforcement.Apply(context.Background(), plan, ex)
	require.NoError(t, err)
	c, err := cfg.File(plan, "carol", plan.At.Add(time.Hour), "not me")
	require.NoError(t, err)
	r, err := c.Resolve(appeal.Overturned, "appeals-officer-9", plan.At.Add(2*time.Hour), "the account was hijacked", 0, 0)
	require.NoError(t, err)
	undo := &enforcement.Plan{ID: plan.ID + "-appeal", Actions: r.Actions}
	pr, err := enforcement.Apply(context.Background(), undo, ex)
	require.NoError(t, err)
	assert.Equal(t, 2, pr.Applied)
	log := ex.Log()
	assert.Equal(t, enforcement.ReleaseFunds, log[len(log)-1].Kind)
	assert.Len(t, log[len(log)-1].Holdings, 2, "both of carol's holdings are released")
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
	r, err := stored.Resolve(appeal.Overturned, "appeals-officer-1", plan.At.Add(2*time.Hour), "she had left", 0, 0)
	require.NoError(t, err)
	require.Len(t, r.Actions, 2)
	assert.Equal(t, enforcement.ReleaseFunds, r.Actions[1].Kind)
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
