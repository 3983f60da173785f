package funds_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// banCase bans the member u-li, whose holdings are hs, for a verified
// critical violation.
func banCase(hs ...policy.Holding) enforcement.GroupCase {
	li := policy.Account{ID: "u-li", Holder: "Li Wei", RealNameVerified: true, Holdings: hs}
	return enforcement.GroupCase{
		Group:   policy.Group{ID: "g-1", Owner: "u-owner", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "u-owner"}, Role: policy.RoleOwner}, {Account: li, Role: policy.RoleMember}},
		Violations: []policy.Violation{{ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "u-li",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: t0.Add(-time.Hour)}}}},
		Now: t0,
	}
}

// Every holding a plan may freeze opens a claim: a claim's amounts reach
// as far as a holding's (enforcement.MaxAmount), so a large balance is
// never frozen without a claim to recover it, nor does it stop the other
// holdings of the plan from opening theirs.
func TestEveryFrozenHoldingOpensAClaim(t *testing.T) {
	cfg := funds.DefaultConfig()
	planner := enforcement.NewPlanner(policy.Default())
	rng := rand.New(rand.NewPCG(7, 11))
	amounts := []int64{0, 1, enforcement.MaxAmount - 1, enforcement.MaxAmount}
	for range 20 {
		amounts = append(amounts, rng.Int64N(enforcement.MaxAmount+1))
	}
	for _, amount := range amounts {
		plan, err := planner.Plan(context.Background(), banCase(
			policy.Holding{Kind: policy.AssetWallet, Amount: amount, Currency: "CNY"},
			policy.Holding{Kind: policy.AssetWealthManagement, Amount: 900000, Currency: "CNY", Product: "money-market fund"}))
		require.NoError(t, err, "the plan freezes %d", amount)
		claims, events, err := cfg.Open(plan)
		require.NoError(t, err, "a frozen holding of %d opens its claim", amount)
		require.Len(t, claims, 2)
		require.Len(t, events, 2)
		c := claims[events[0].ID]
		assert.Equal(t, amount, c.Frozen)
		assert.Equal(t, amount, c.Held)
		assert.True(t, c.Conserved())
		if amount == 0 {
			continue
		}
		// The holder is paid all of it.
		dest := funds.Destination{Account: "bank-6222", Name: "Li Wei", Verified: true}
		for i, e := range []funds.Event{
			{Kind: funds.EventOpened, Channel: "customer-service hotline"},
			{Kind: funds.EventIdentityChecked, By: "agent-4", Method: "phone", Holder: "Li Wei"},
			{Kind: funds.EventDeductionsClosed, By: "agent-4"},
			{Kind: funds.EventApproved, By: "supervisor-2"},
			{Kind: funds.EventPayoutRequested, Destination: dest},
		} {
			e.ID, e.At = "s"+string(rune('0'+i)), at(i+1)
			c, err = step(cfg, c, e)
			require.NoError(t, err, "step %d", i)
		}
		c, err = step(cfg, c, funds.Event{ID: "paid", Kind: funds.EventPayoutConfirmed, At: at(9), Reference: "s4"})
		require.NoError(t, err)
		assert.Equal(t, amount, c.Paid)
		assert.True(t, c.Conserved())
		require.NoError(t, cfg.Check(reload(t, c)))
	}
}

// A plan edited or merged by hand may list one freeze twice: the same
// holding under one claim id opens one claim with one event, and two
// holdings under one claim id are refused rather than one of them left
// without a claim.
func TestOpenKeepsOneClaimPerID(t *testing.T) {
	cfg := funds.DefaultConfig()
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(),
		banCase(policy.Holding{Kind: policy.AssetWallet, Amount: 100, Currency: "CNY"}))
	require.NoError(t, err)
	i := slices.IndexFunc(plan.Actions, func(a enforcement.Action) bool { return a.Kind == enforcement.FreezeFunds })
	require.GreaterOrEqual(t, i, 0)
	twice := func(edit func(a *enforcement.Action)) *enforcement.Plan {
		p := *plan
		a := p.Actions[i]
		a.Holdings = slices.Clone(a.Holdings)
		edit(&a)
		p.Actions = slices.Insert(slices.Clone(plan.Actions), i+1, a)
		return &p
	}

	claims, events, err := cfg.Open(twice(func(*enforcement.Action) {}))
	require.NoError(t, err)
	assert.Len(t, claims, 1)
	require.Len(t, events, 1, "one opening event per claim")

	_, _, err = cfg.Open(twice(func(a *enforcement.Action) { a.Holdings[0].Amount = 999 }))
	requireRefused(t, err, funds.CodeIDConflict)
}

// An event that names an account, a currency or an asset kind names its
// claim's: a chargeback in dollars is not deducted as yuan, a redemption
// or release meant for another claim is refused, and one that names
// nothing, or the claim's own, is applied.
func TestEventsNameTheirOwnClaim(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:3]) // identity verified, CNY, account u1
	for name, tc := range map[string]struct {
		edit func(e *funds.Event)
		path string
	}{
		"another currency": {func(e *funds.Event) { e.Currency = "USD" }, "currency"},
		"another account":  {func(e *funds.Event) { e.Account = "u2" }, "account"},
		"another asset":    {func(e *funds.Event) { e.Asset = policy.AssetWealthManagement }, "asset"},
	} {
		e := walletFlow()[3] // the chargeback
		tc.edit(&e)
		got, err := step(cfg, c, e)
		re := requireRefused(t, err, funds.CodeInvalidEvent)
		assert.Equal(t, tc.path, re.Path, name)
		assert.Equal(t, c, got, name)
	}
	e := walletFlow()[3]
	e.Currency, e.Account, e.Asset = "CNY", "u1", policy.AssetWallet
	_, err := step(cfg, c, e)
	require.NoError(t, err, "the claim's own")

	release := funds.Event{ID: "r", Kind: funds.EventReleased, At: at(30), By: "appeals-officer-9", Reference: "contest-1", Account: "u2"}
	_, err = step(cfg, c, release)
	requireRefused(t, err, funds.CodeInvalidEvent)
	release.Account = "u1"
	r, err := step(cfg, c, release)
	require.NoError(t, err)
	assert.Equal(t, int64(125000), r.Released)
}
