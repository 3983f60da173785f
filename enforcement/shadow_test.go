package enforcement_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// shadowLive bans a group's owner.
const shadowLive = `name: live
version: 0.1.0
appeal:
  route: "Settings > Appeal"
categories:
  - name: csam
    dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS
    zero_tolerance: true
rules:
  - id: owner-banned
    target: account
    when: 'subject.role == role.owner'
    penalty: ban
    message: '"Banned."'
    ground: {kind: illegal, reference: Test law}
`

// shadowBroken is a candidate rule that fails at run time for the owner.
const shadowBroken = `  - id: broken
    target: account
    when: 'subject.role == role.owner && 1 / (subject.role == role.owner ? 0 : 1) > 0'
    penalty: ban
    message: '"Banned."'
    ground: {kind: illegal, reference: Test law}
`

// A candidate whose rule fails for the owner gives the owner's decision
// the same penalty, duration and need of review as the live policy when
// the violation is not verified yet (a warning pending review), but its
// plan holds that decision and applies nothing, where the live plan warns:
// the shadow run reports the change, and says the candidate's outcome is
// held.
func TestShadowReportsADecisionThatAFailedRuleHolds(t *testing.T) {
	live, err := policy.Compile("live.yaml", []byte(shadowLive))
	require.NoError(t, err)
	candidate, err := policy.Compile("candidate.yaml", []byte(shadowLive+shadowBroken))
	require.NoError(t, err)
	gc := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml").Case
	gc.Violations = slices.Clone(gc.Violations)
	gc.Violations[0].Reviews = nil // not verified: the ban is lowered to a warning pending review

	warned := func(e *policy.Engine) bool {
		p, err := enforcement.NewPlanner(e).Plan(context.Background(), gc)
		require.NoError(t, err)
		return slices.ContainsFunc(p.Actions, func(a enforcement.Action) bool {
			return a.Subject == gc.Group.Owner && a.Kind == enforcement.WarnAccount
		})
	}
	require.True(t, warned(live), "the live plan warns the owner")
	require.False(t, warned(candidate), "the candidate's plan holds the owner's decision")

	var changes []enforcement.Change
	r, err := enforcement.Shadow(context.Background(), live, candidate, slices.Values([]enforcement.GroupCase{gc}), func(c enforcement.Change) error {
		changes = append(changes, c)
		return nil
	})
	require.NoError(t, err)
	i := slices.IndexFunc(changes, func(c enforcement.Change) bool { return c.Subject == gc.Group.Owner })
	require.GreaterOrEqual(t, i, 0, "the owner's decision changes: %+v", changes)
	assert.False(t, changes[i].Before.Held)
	assert.True(t, changes[i].After.Held)
	assert.Equal(t, len(changes), r.Changed)
}
