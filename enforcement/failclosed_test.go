package enforcement_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// failingPolicy bans an account that leads a group with a violation, by a
// rule that divides by zero for the owner, and closes the group by one
// that always fails.
const failingPolicy = `name: failing
version: 0.1.0
appeal:
  route: "Settings > Appeal"
categories:
  - name: csam
    dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS
    zero_tolerance: true
rules:
  - id: leaders-banned
    target: account
    when: 'subject.role != role.member && 1 / (subject.role == role.owner ? 0 : 1) > 0'
    penalty: ban
    message: '"Banned."'
    ground: {kind: illegal, reference: Test law}
  - id: group-closed
    target: group
    when: '1 / (size(group.id) - size(group.id)) > 0'
    penalty: close
    message: '"Closed."'
    ground: {kind: illegal, reference: Test law}
`

// TestRuleErrorsFailClosed: the owner, whose ban rule fails, was listed as
// spared; now the plan holds the owner's and the group's decisions with
// their errors, spares only the member, and acts on neither.
func TestRuleErrorsFailClosed(t *testing.T) {
	engine, err := policy.Compile("failing.yaml", []byte(failingPolicy))
	require.NoError(t, err)
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	plan, err := enforcement.NewPlanner(engine).Plan(context.Background(), f.Case)
	require.NoError(t, err)

	held := map[string][]policy.RuleError{}
	for _, d := range plan.Held {
		held[d.Subject] = d.Errors
	}
	require.Contains(t, held, "alice", "the owner's failed decision is held")
	require.Contains(t, held, f.Case.Group.ID, "the group's failed decision is held")
	assert.Equal(t, "leaders-banned", held["alice"][0].Rule)
	assert.Contains(t, held["alice"][0].Message, "division by zero")
	assert.Equal(t, "group-closed", held[f.Case.Group.ID][0].Rule)
	for _, s := range plan.Spared {
		assert.NotEqual(t, "alice", s.Account, "an account whose rule failed is never spared")
	}
	assert.Contains(t, plan.PendingReview, "alice")
	assert.Contains(t, plan.PendingReview, f.Case.Group.ID)
	for _, a := range plan.Actions {
		assert.NotEqual(t, enforcement.CloseGroup, a.Kind, "a held group is not closed")
	}
	var banned []string
	for _, d := range plan.Decisions {
		banned = append(banned, d.Subject)
	}
	assert.Equal(t, []string{"bob"}, banned, "the admin's rule did not fail")
}

// TestReportCountsRuleErrors: the campaign report counts the failures of
// each rule, in rule order, and shards merge to the count of one run.
func TestReportCountsRuleErrors(t *testing.T) {
	engine, err := policy.Compile("failing.yaml", []byte(failingPolicy))
	require.NoError(t, err)
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	planner := enforcement.NewPlanner(engine)
	c := enforcement.Campaign{Name: "failing"}
	cases := func(yield func(enforcement.GroupCase) bool) {
		for range 3 {
			if !yield(f.Case) {
				return
			}
		}
	}
	rep, err := planner.Run(context.Background(), c, cases)
	require.NoError(t, err)
	want := []enforcement.RuleErrorTally{{Rule: "group-closed", Errors: 3}, {Rule: "leaders-banned", Errors: 3}}
	assert.Equal(t, want, rep.RuleErrors)
	assert.Zero(t, rep.Groups.Closed, "a group whose rule failed is not counted closed")

	one, err := planner.Run(context.Background(), c, func(yield func(enforcement.GroupCase) bool) { yield(f.Case) })
	require.NoError(t, err)
	two, err := planner.Run(context.Background(), c, func(yield func(enforcement.GroupCase) bool) { yield(f.Case); yield(f.Case) })
	require.NoError(t, err)
	require.NoError(t, one.Merge(two))
	assert.Equal(t, want, one.RuleErrors)

	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "Rules that failed at run time (their decisions are held for review): group-closed 3 leaders-banned 3")
}
