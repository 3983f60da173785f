package enforcement_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// postedIn is a group case in which a member, alice, posted one verified
// violation with the id v1, as many platforms number violations: per
// group, without naming the group (empty means the case's).
func postedIn(group, category string, sev policy.Severity) enforcement.GroupCase {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := policy.Violation{ID: "v1", Category: category, Severity: sev, Actor: "alice", Detected: now.Add(-time.Hour),
		Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.9}}},
		Reviews:  []policy.Review{{Reviewer: "r", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Minute)}}}
	return enforcement.GroupCase{Group: policy.Group{ID: group, Owner: group + "-owner", Members: 2},
		Members: []policy.Membership{{Role: policy.RoleOwner, Account: policy.Account{ID: group + "-owner"}},
			{Role: policy.RoleMember, Account: policy.Account{ID: "alice"}}},
		Violations: []policy.Violation{v}, Now: now}
}

// An account that posted in two groups, whose violations share an id, is
// banned for the heavier one: its account plan keeps both violations, its
// notice tells each act with its group, and its statement of reasons
// states the violation that decided the ban, not the other group's.
func TestAccountPlanKeepsViolationsOfTheSameIDInTwoGroups(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	for _, order := range [][]enforcement.GroupCase{
		{postedIn("g1", "spam", policy.SeverityLow), postedIn("g2", "fraud", policy.SeverityCritical)},
		{postedIn("g2", "fraud", policy.SeverityCritical), postedIn("g1", "spam", policy.SeverityLow)},
	} {
		var alice *enforcement.AccountPlan
		_, err := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values(order),
			enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error {
				if a.Account == "alice" {
					alice = a
				}
				return nil
			}))
		require.NoError(t, err)
		require.NotNil(t, alice)
		d := alice.Decisions[0]
		require.Equal(t, policy.PenaltyBan, d.Penalty)
		require.Equal(t, "fraud", d.Category)
		assert.Len(t, alice.Violations, 2, "one violation of each group")
		require.Len(t, alice.Notices, 1)
		assert.ElementsMatch(t, []string{"v1 (spam, group g1)", "v1 (fraud, group g2)"}, alice.Notices[0].Acts)

		statements, err := dsa.FromPlan(&alice.Plan, policy.Default())
		require.NoError(t, err)
		require.Len(t, statements, 1)
		assert.Equal(t, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", statements[0].Category)
		assert.Contains(t, statements[0].DecisionFacts, "severity critical")
	}
}

// In a campaign an account may be spared in one group and banned through
// another: the notice of the group that spared it speaks of that group
// only, and never tells it, against its account plan, that its account
// is not penalised. Checked on a hand-made pair of groups and on a
// platform whose accounts are shared between groups.
func TestSparedNoticesDoNotDenyAMeasureTakenElsewhere(t *testing.T) {
	spared := postedIn("g1", "fraud", policy.SeverityCritical)
	spared.Violations[0].Actor = "mallory"
	spared.Members = append(spared.Members, policy.Membership{Role: policy.RoleMember, Account: policy.Account{ID: "mallory"}})
	spared.Group.Members = 3
	cases := append([]enforcement.GroupCase{spared, postedIn("g2", "fraud", policy.SeverityCritical)}, platformCases(300)...)

	planner := enforcement.NewPlanner(policy.Default())
	told := map[string][]string{} // what the group parts told each account
	measured := map[string]policy.Penalty{}
	_, err := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values(cases),
		enforcement.WithPlans(func(p *enforcement.Plan) error {
			for _, n := range p.Notices {
				told[n.To] = append(told[n.To], n.Text())
			}
			return nil
		}),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error {
			measured[a.Account] = a.Decisions[0].Penalty
			return nil
		}))
	require.NoError(t, err)
	require.Equal(t, policy.PenaltyBan, measured["alice"])
	require.NotEmpty(t, told["alice"], "g1 tells alice of its closure")
	both := 0
	for acct, pen := range measured {
		for _, text := range told[acct] {
			both++
			assert.NotContains(t, text, "Your account is not penalised.", "%s has the measure %s", acct, pen)
		}
	}
	assert.Greater(t, both, 1, "accounts measured in one group and told of another")
}

// In a campaign a leader's notice is the account plan's, since the group
// plan leaves it out: it tells the leader of every group behind the
// measure what was done to that group, and why to the group's leaders, as
// a group plan's notice does, even when another group decided the
// measure. Here the owner of g1, which is closed, is banned for posting
// in g2.
func TestAccountNoticesTellLeadersWhyTheirGroupsWereClosed(t *testing.T) {
	g1 := postedIn("g1", "fraud", policy.SeverityCritical)
	g2 := postedIn("g2", "fraud", policy.SeverityCritical)
	g2.Violations[0].Actor, g2.Members[1].Account.ID = "g1-owner", "g1-owner"
	planner := enforcement.NewPlanner(policy.Default())
	groupReason := map[string]string{}
	texts := map[string]string{}
	_, err := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values([]enforcement.GroupCase{g1, g2}),
		enforcement.WithPlans(func(p *enforcement.Plan) error {
			require.Equal(t, policy.PenaltyClose, p.GroupDecision.Penalty)
			groupReason[p.Group] = p.GroupDecision.Reason
			return nil
		}),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error {
			require.Len(t, a.Notices, 1)
			texts[a.Account] = a.Notices[0].Text()
			return nil
		}))
	require.NoError(t, err)
	require.NotEmpty(t, groupReason["g1"])
	assert.Contains(t, texts["g1-owner"], "Group g1 was closed. "+groupReason["g1"], "the owner of g1 learns why it was closed")
	assert.Contains(t, texts["g1-owner"], "Group g2 was closed.")
	assert.Contains(t, texts["g2-owner"], "Group g2 was closed. "+groupReason["g2"])
	assert.NotContains(t, texts["alice"], groupReason["g1"], "a member is told what was done to the group, not the leaders' reason")
}
