package enforcement_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// The extremes of int64 render as numbers: the most negative one has no
// positive counterpart in int64.
func TestAmountAtTheExtremes(t *testing.T) {
	assert.Equal(t, "CNY -92233720368547758.08", enforcement.Amount("CNY", math.MinInt64))
	assert.Equal(t, "CNY 92233720368547758.07", enforcement.Amount("CNY", math.MaxInt64))
	assert.Equal(t, "JPY -9223372036854775808", enforcement.Amount("JPY", math.MinInt64))
	assert.Equal(t, "KWD -9223372036854775.808", enforcement.Amount("KWD", math.MinInt64))
}

// A plan's id ignores the order a case lists an account's holdings in, so
// the claim ids under it must too: otherwise the same plan, rebuilt from a
// case read back in another order, names the wallet's claim for the
// wealth-management product and a store refuses it as another event, or
// a careless one swaps the two claims' holdings.
func TestClaimIDsIgnoreHoldingsOrder(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	gc := freezeCase("Li Wei")
	holdings := []policy.Holding{
		{Kind: policy.AssetWallet, Amount: 125000, Currency: "CNY"},
		{Kind: policy.AssetWallet, Amount: 700, Currency: "USD"},
		{Kind: policy.AssetWallet, Amount: 300, Currency: "USD"},
		{Kind: policy.AssetWealthManagement, Amount: 900000, Currency: "CNY", Product: "money-market fund"},
		{Kind: policy.AssetWealthManagement, Amount: 50000, Currency: "CNY", Product: "bond fund"},
		{Kind: policy.AssetWealthManagement, Amount: 50000, Currency: "CNY", Product: "bond fund"},
	}
	claims := func(hs []policy.Holding) (string, map[string]policy.Holding) {
		gc.Members[1].Account.Holdings = hs
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		out := map[string]policy.Holding{}
		for _, f := range plan.Freezes() {
			out[f.Claim] = f.Holding
		}
		require.Len(t, out, len(hs), "one claim per holding")
		return plan.ID, out
	}
	id, want := claims(slices.Clone(holdings))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		hs := slices.Clone(holdings)
		rng.Shuffle(len(hs), func(i, j int) { hs[i], hs[j] = hs[j], hs[i] })
		gotID, got := claims(hs)
		require.Equal(t, id, gotID, "the same plan")
		require.Equal(t, want, got, "the same claim for each holding, in %v", hs)
	}
}

// A holding's currency and product are text the plan keeps and each
// holding's funds-recovery claim keeps again: bounded by policy.MaxIDLen
// and in UTF-8, or the plan is refused before anything is frozen, rather
// than frozen with a claim that cannot open (or that JSON reads back as
// another one).
func TestHoldingTextIsBounded(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	long := strings.Repeat("基", policy.MaxIDLen/3) + "x" // MaxIDLen bytes
	for name, tc := range map[string]struct {
		h    policy.Holding
		path string
		code policy.Code
	}{
		"long product":     {policy.Holding{Kind: policy.AssetWealthManagement, Amount: 1, Currency: "CNY", Product: long + "x"}, "product", enforcement.CodeLimit},
		"long currency":    {policy.Holding{Kind: policy.AssetWallet, Amount: 1, Currency: long + "x"}, "currency", enforcement.CodeLimit},
		"product not UTF":  {policy.Holding{Kind: policy.AssetWealthManagement, Amount: 1, Currency: "CNY", Product: "fund \xff"}, "product", policy.CodeInvalidValue},
		"currency not UTF": {policy.Holding{Kind: policy.AssetWallet, Amount: 1, Currency: "C\xc3NY"}, "currency", policy.CodeInvalidValue},
	} {
		gc := freezeCase("Li Wei")
		gc.Members[1].Account.Holdings = append(gc.Members[1].Account.Holdings, tc.h)
		_, err := planner.Plan(context.Background(), gc)
		require.ErrorIs(t, err, enforcement.ErrInvalidGroupCase, name)
		assert.Equal(t, tc.code, policy.CodeOf(err), name)
		path, _ := policy.PathOf(err)
		assert.Equal(t, "members[1].account.holdings[2]."+tc.path, path, name)
	}
	// At the limit, the plan freezes the holding and its claim opens.
	gc := freezeCase("Li Wei")
	gc.Members[1].Account.Holdings = append(gc.Members[1].Account.Holdings,
		policy.Holding{Kind: policy.AssetWealthManagement, Amount: 1, Currency: long, Product: long})
	plan, err := planner.Plan(context.Background(), gc)
	require.NoError(t, err)
	claims, _, err := funds.DefaultConfig().Open(plan)
	require.NoError(t, err)
	assert.Len(t, claims, 3)
}

// A currency code in lower case, or with the space a form left around it,
// is still the currency: a notice never tells a holder of ¥100,000 that
// the balance is ¥1,000.00.
func TestAmountReadsTheCurrencyAsWritten(t *testing.T) {
	for _, c := range []string{"JPY", "jpy", "Jpy", " JPY "} {
		assert.Equal(t, c+" 100000", enforcement.Amount(c, 100000), "%q", c)
	}
	assert.Equal(t, "kwd 1.250", enforcement.Amount("kwd", 1250))
	assert.Equal(t, "cny 1250.00", enforcement.Amount("cny", 125000))
}
