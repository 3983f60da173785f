package enforcement_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/policy"
)

// In a campaign the measures against accounts leave the group plan for
// the account plans. The measures of a group plan over the blast radius
// keep its need of a second approval there, through storage too: the
// account plans they decide are refused by Apply until approved, whether
// reconciled in the run or from stored measures.
func TestAccountPlansKeepTheSecondApprovalOfTheirGroupPlan(t *testing.T) {
	src := strings.Replace(string(policy.DefaultSource()), "blast_radius: 500", "blast_radius: 2", 1)
	engine, err := policy.Compile("small-radius.yaml", []byte(src))
	require.NoError(t, err)
	planner := enforcement.NewPlanner(engine)
	big := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml").Case // three accounts banned
	c := enforcement.Campaign{Name: "c"}

	check := func(t *testing.T, plans []*enforcement.AccountPlan) {
		require.Len(t, plans, 3)
		for _, ap := range plans {
			require.True(t, ap.NeedsSecondApproval, ap.Account)
			ex := &enforcementtest.Executor{}
			_, err := enforcement.Apply(context.Background(), &ap.Plan, ex)
			require.ErrorIs(t, err, enforcement.ErrNeedsApproval, ap.Account)
			assert.Empty(t, ex.Log(), "nothing is applied without the approval")
			require.NoError(t, ap.Approve("lead-reviewer"))
			_, err = enforcement.Apply(context.Background(), &ap.Plan, ex)
			require.NoError(t, err)
		}
	}
	t.Run("in the run", func(t *testing.T) {
		var plans []*enforcement.AccountPlan
		var groupNeeds bool
		_, err := planner.Run(context.Background(), c, slices.Values([]enforcement.GroupCase{big}),
			enforcement.WithPlans(func(p *enforcement.Plan) error { groupNeeds = p.NeedsSecondApproval; return nil }),
			enforcement.WithAccountPlans(func(ap *enforcement.AccountPlan) error { plans = append(plans, ap); return nil }))
		require.NoError(t, err)
		require.True(t, groupNeeds)
		check(t, plans)
	})
	t.Run("from stored measures", func(t *testing.T) {
		rec := enforcement.NewReconciler()
		_, err := planner.Run(context.Background(), c, slices.Values([]enforcement.GroupCase{big}),
			enforcement.WithMeasures(func(m enforcement.AccountMeasure) error {
				b, err := json.Marshal(m)
				require.NoError(t, err)
				var back enforcement.AccountMeasure
				require.NoError(t, json.Unmarshal(b, &back))
				return rec.Add(back)
			}))
		require.NoError(t, err)
		var plans []*enforcement.AccountPlan
		require.NoError(t, planner.Reconcile(context.Background(), c, rec, enforcement.NewReport(c, engine),
			func(ap *enforcement.AccountPlan) error { plans = append(plans, ap); return nil }))
		check(t, plans)
	})
	t.Run("a plan within the radius", func(t *testing.T) {
		var plans []*enforcement.AccountPlan
		_, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), c, slices.Values([]enforcement.GroupCase{big}),
			enforcement.WithAccountPlans(func(ap *enforcement.AccountPlan) error { plans = append(plans, ap); return nil }))
		require.NoError(t, err)
		require.Len(t, plans, 3)
		for _, ap := range plans {
			assert.False(t, ap.NeedsSecondApproval, ap.Account)
		}
	})
}
