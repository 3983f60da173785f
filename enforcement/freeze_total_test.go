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

// A banned account that lists two holdings of the same kind, currency and
// product (two wallet rows in one currency) has all of its money frozen:
// the campaign's one freeze of that holding holds their sum, and the
// campaign reports the funds a plan of the same case freezes.
func TestAccountPlanFreezesTheSumOfRepeatedHoldings(t *testing.T) {
	gc := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml").Case
	gc.Members = slices.Clone(gc.Members)
	i := slices.IndexFunc(gc.Members, func(m policy.Membership) bool { return m.Account.ID == "carol" })
	require.GreaterOrEqual(t, i, 0)
	carol := &gc.Members[i].Account
	carol.Holdings = append(slices.Clone(carol.Holdings), policy.Holding{Kind: policy.AssetWallet, Amount: 800, Currency: "CNY"})

	planner := enforcement.NewPlanner(policy.Default())
	p, err := planner.Plan(context.Background(), gc)
	require.NoError(t, err)
	single := enforcement.NewReport(enforcement.Campaign{Name: "c"}, policy.Default())
	require.NoError(t, single.AddPlan(p))

	var frozen map[policy.AssetKind]int64
	r, err := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values([]enforcement.GroupCase{gc}),
		enforcement.WithAccountPlans(func(ap *enforcement.AccountPlan) error {
			if ap.Account != "carol" {
				return nil
			}
			frozen = map[policy.AssetKind]int64{}
			for _, f := range ap.Freezes() {
				frozen[f.Holding.Kind] += f.Holding.Amount
			}
			return nil
		}))
	require.NoError(t, err)
	assert.Equal(t, map[policy.AssetKind]int64{policy.AssetWallet: 4200 + 800, policy.AssetWealthManagement: 1000000}, frozen)
	assert.Equal(t, single.FundsFrozen, r.FundsFrozen)

	// Measures from storage are held to the limits of a case, so that
	// their sums cannot overflow.
	var ms []enforcement.AccountMeasure
	_, err = planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values([]enforcement.GroupCase{gc}),
		enforcement.WithMeasures(func(m enforcement.AccountMeasure) error { ms = append(ms, m); return nil }))
	require.NoError(t, err)
	j := slices.IndexFunc(ms, func(m enforcement.AccountMeasure) bool { return m.Account() == "carol" })
	require.GreaterOrEqual(t, j, 0)
	m := ms[j]
	m.Membership.Account.Holdings = slices.Clone(m.Membership.Account.Holdings)
	m.Membership.Account.Holdings[1].Amount = enforcement.MaxAmount + 1
	_, err = planner.ReconcileAccount(enforcement.Campaign{Name: "c"}, []enforcement.AccountMeasure{m})
	require.ErrorIs(t, err, enforcement.ErrInvalidMeasures)
	assert.Equal(t, enforcement.CodeAmount, policy.CodeOf(err))
	path, _ := policy.PathOf(err)
	assert.Equal(t, "measures[0].membership.account.holdings[1].amount", path)
}
