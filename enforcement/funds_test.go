package enforcement_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

func freezeCase(holder string) enforcement.GroupCase {
	t0 := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	li := policy.Account{ID: "u-li", Holder: holder, RealNameVerified: true, Holdings: []policy.Holding{
		{Kind: policy.AssetWallet, Amount: 125000, Currency: "CNY"},
		{Kind: policy.AssetWealthManagement, Amount: 900000, Currency: "CNY", Product: "money-market fund"},
	}}
	return enforcement.GroupCase{
		Group:   policy.Group{ID: "g-1", Owner: "u-owner", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "u-owner"}, Role: policy.RoleOwner}, {Account: li, Role: policy.RoleMember}},
		Violations: []policy.Violation{{ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "u-li",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: t0.Add(-time.Hour)}}}},
		Now: t0,
	}
}

// A plan's freeze becomes one claim opening per holding, with the
// account's holder of record, under ids stable across replanning.
func TestFreezesOpenOneClaimPerHolding(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	plan, err := planner.Plan(context.Background(), freezeCase("Li Wei"))
	require.NoError(t, err)
	fs := plan.Freezes()
	require.Len(t, fs, 2)
	for i, f := range fs {
		assert.Equal(t, "u-li", f.Account)
		assert.Equal(t, "Li Wei", f.Holder)
		assert.True(t, f.HolderVerified)
		assert.Equal(t, plan.At, f.At)
		assert.Equal(t, plan.Members[1].Account.Holdings[i], f.Holding)
	}
	assert.NotEqual(t, fs[0].Claim, fs[1].Claim)
	again, err := planner.Plan(context.Background(), freezeCase("Li Wei"))
	require.NoError(t, err)
	assert.Equal(t, fs, again.Freezes(), "the same case opens the same claims")

	// The holder of record is part of the case: another holder, another plan.
	other, err := planner.Plan(context.Background(), freezeCase("Wang Fang"))
	require.NoError(t, err)
	assert.NotEqual(t, plan.ID, other.ID)
	assert.Equal(t, "Wang Fang", other.Freezes()[0].Holder)
	// An account without a record is frozen all the same, with no verified holder.
	none, err := planner.Plan(context.Background(), freezeCase(""))
	require.NoError(t, err)
	assert.False(t, none.Freezes()[0].HolderVerified)
}
