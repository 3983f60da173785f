package enforcement_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// frozen is an account plan that freezes amount in each currency given.
func frozen(amount int64, currencies ...string) *enforcement.AccountPlan {
	ap := &enforcement.AccountPlan{Account: "a"}
	for _, c := range currencies {
		ap.Actions = append(ap.Actions, enforcement.Action{Kind: enforcement.FreezeFunds, Subject: "a",
			Holdings: []policy.Holding{{Kind: policy.AssetWallet, Currency: c, Amount: amount}}})
	}
	return ap
}

func snapshot(t *testing.T, r *enforcement.Report) string {
	b, err := json.Marshal(r)
	require.NoError(t, err)
	return string(b)
}

// A report never wraps a currency's total: the measure or the shard that
// would take it past an int64 of minor units is refused, and nothing of it
// is counted.
func TestReportRefusesFundsThatOverflow(t *testing.T) {
	c := enforcement.Campaign{Name: "money"}
	r := enforcement.NewReport(c, policy.Default())
	require.NoError(t, r.AddAccount(frozen(math.MaxInt64-10, "CNY")))
	require.NoError(t, r.AddAccount(frozen(10, "CNY", "EUR")))
	before := snapshot(t, r)

	err := r.AddAccount(frozen(1, "EUR", "CNY"))
	require.ErrorIs(t, err, enforcement.ErrFundsOverflow)
	assert.Equal(t, before, snapshot(t, r), "a refused measure counts nothing, not even its other currency")

	other := enforcement.NewReport(c, policy.Default())
	require.NoError(t, other.AddAccount(frozen(1, "CNY")))
	require.ErrorIs(t, r.Merge(other), enforcement.ErrFundsOverflow)
	assert.Equal(t, before, snapshot(t, r), "a refused merge changes nothing")

	require.NoError(t, other.Merge(enforcement.NewReport(c, policy.Default())))
	assert.Equal(t, []enforcement.Money{{Currency: "CNY", Amount: math.MaxInt64}, {Currency: "EUR", Amount: 10}}, r.FundsFrozen)
}
