package appeal_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/policy"
)

var t0 = time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

// walletFlow is a complete wallet recovery: frozen, claimed on the hotline,
// identity checked by phone, a chargeback deducted, approved, paid out.
func walletFlow() []appeal.Event {
	dest := appeal.Destination{Account: "bank-6222", Name: "Li Wei", Verified: true}
	return []appeal.Event{
		{ID: "1", Kind: appeal.Frozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWallet, Currency: "CNY", Amount: 125000},
		{ID: "2", Kind: appeal.ClaimOpened, At: at(24), Channel: "customer-service hotline"},
		{ID: "3", Kind: appeal.IdentityChecked, At: at(25), By: "agent-4", Method: "phone", Holder: "Li Wei"},
		{ID: "4", Kind: appeal.DeductionProposed, At: at(26), By: "agent-4", Amount: 5000, Basis: appeal.Chargeback, Reference: "cb-991", Payee: "original payer of order 991"},
		{ID: "5", Kind: appeal.DeductionsClosed, At: at(27), By: "agent-4"},
		{ID: "6", Kind: appeal.ClaimApproved, At: at(30), By: "supervisor-2"},
		{ID: "7", Kind: appeal.PayoutRequested, At: at(31), Destination: dest},
		{ID: "8", Kind: appeal.PayoutConfirmed, At: at(40), Reference: "7"},
	}
}

func TestWalletRecoveryPaysTheHolder(t *testing.T) {
	c, err := appeal.DefaultConfig().Replay(walletFlow())
	require.NoError(t, err)
	assert.Equal(t, appeal.Paid, c.Status)
	assert.Equal(t, int64(120000), c.Paid)
	assert.Equal(t, int64(5000), c.Deducted)
	assert.Zero(t, c.Held)
	assert.True(t, c.Conserved())
	assert.Equal(t, "supervisor-2", c.ApprovedBy)
	require.Len(t, c.Payouts, 1)
	assert.Equal(t, "Li Wei", c.Payouts[0].Destination.Name)

	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"paid"`)
}

func TestWealthManagementIsRedeemedBeforePayout(t *testing.T) {
	cfg := appeal.DefaultConfig()
	events := []appeal.Event{
		{ID: "1", Kind: appeal.Frozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 1000000},
		{ID: "2", Kind: appeal.ValuationChanged, At: at(10), Amount: 2500},
		{ID: "3", Kind: appeal.ClaimOpened, At: at(24), Channel: "online application"},
		{ID: "4", Kind: appeal.IdentityChecked, At: at(25), By: "agent-1", Method: "online", Holder: "Li Wei"},
		{ID: "5", Kind: appeal.DeductionsClosed, At: at(26), By: "agent-1"},
		{ID: "6", Kind: appeal.ClaimApproved, At: at(27), By: "supervisor-1"},
	}
	c, err := cfg.Replay(events)
	require.NoError(t, err)
	dest := appeal.Destination{Account: "bank-1", Name: "Li Wei", Verified: true}
	_, err = cfg.Apply(c, appeal.Event{ID: "7", Kind: appeal.PayoutRequested, At: at(28), Destination: dest})
	requireRefused(t, err, appeal.RefusedRedemption)

	c, err = cfg.Apply(c, appeal.Event{ID: "7", Kind: appeal.ProductRedeemed, At: at(28), Amount: 1001800})
	require.NoError(t, err)
	assert.Equal(t, int64(1001800), c.Held)
	assert.Equal(t, int64(1800), c.Valuation, "explicit valuation changes: +2500 then -700 at redemption")
	c, err = cfg.Apply(c, appeal.Event{ID: "8", Kind: appeal.PayoutRequested, At: at(29), Destination: dest})
	require.NoError(t, err)
	c, err = cfg.Apply(c, appeal.Event{ID: "9", Kind: appeal.PayoutConfirmed, At: at(30), Reference: "8"})
	require.NoError(t, err)
	assert.Equal(t, int64(1001800), c.Paid)
	assert.True(t, c.Conserved())
}

func requireRefused(t *testing.T, err error, code appeal.Refusal) {
	t.Helper()
	var re *appeal.RefusedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, code, re.Code, re.Error())
}

// Each step of the wallet flow, altered, is refused for its reason; the
// state stays as it was.
func TestRefusals(t *testing.T) {
	cfg := appeal.DefaultConfig()
	flow := walletFlow()
	for _, tt := range []struct {
		name  string
		step  int // index of the event replaced
		edit  func(e *appeal.Event)
		code  appeal.Refusal
		setup func(events []appeal.Event) []appeal.Event
	}{
		{"claim on the wrong channel", 1, func(e *appeal.Event) { e.Channel = "online application" }, appeal.RefusedChannel, nil},
		{"identity by the wrong method", 2, func(e *appeal.Event) { e.Method = "email" }, appeal.RefusedIdentity, nil},
		{"claimant is not the holder", 2, func(e *appeal.Event) { e.Holder = "Wang Fang" }, appeal.RefusedIdentity, nil},
		{"no verified real-name record", 2, nil, appeal.RefusedIdentity, func(ev []appeal.Event) []appeal.Event {
			ev[0].Verified = false
			return ev
		}},
		{"identity checked by a machine", 2, func(e *appeal.Event) { e.Automated = true }, appeal.RefusedNotHuman, nil},
		{"deduction without a basis", 3, func(e *appeal.Event) { e.Basis = 0 }, appeal.RefusedBasis, nil},
		{"chargeback without its payer", 3, func(e *appeal.Event) { e.Payee = "" }, appeal.RefusedBasis, nil},
		{"deduction above the funds", 3, func(e *appeal.Event) { e.Amount = 125001 }, appeal.RefusedFunds, nil},
		{"approval by nobody", 5, func(e *appeal.Event) { e.By = "" }, appeal.RefusedNotHuman, nil},
		{"approval by a machine", 5, func(e *appeal.Event) { e.Automated = true }, appeal.RefusedNotHuman, nil},
		{"payout to another name", 6, func(e *appeal.Event) { e.Destination.Name = "Wang Fang" }, appeal.RefusedDestination, nil},
		{"payout to an unverified account", 6, func(e *appeal.Event) { e.Destination.Verified = false }, appeal.RefusedDestination, nil},
		{"confirmation of no payout", 7, func(e *appeal.Event) { e.Reference = "99" }, appeal.RefusedState, nil},
		{"approval before the deductions are reviewed", 4, func(e *appeal.Event) { e.Kind = appeal.ClaimApproved }, appeal.RefusedState, nil},
		{"an id reused for another event", 3, func(e *appeal.Event) { e.ID = "2" }, appeal.RefusedConflict, nil},
		{"time going back", 3, func(e *appeal.Event) { e.At = at(1) }, appeal.RefusedTime, nil},
		{"unclaimed too early", 3, func(e *appeal.Event) {
			*e = appeal.Event{ID: "x", Kind: appeal.Unclaimed, At: at(100), Payee: "unclaimed-property office"}
		}, appeal.RefusedTime, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events := append([]appeal.Event(nil), flow...)
			if tt.setup != nil {
				events = tt.setup(events)
			}
			before, err := cfg.Replay(events[:tt.step])
			require.NoError(t, err)
			e := events[tt.step]
			if tt.edit != nil {
				tt.edit(&e)
			}
			after, err := cfg.Apply(before, e)
			requireRefused(t, err, tt.code)
			assert.Equal(t, before, after, "a refused event changes nothing")
		})
	}
}

func TestLegalHoldPausesEverything(t *testing.T) {
	cfg := appeal.DefaultConfig()
	flow := walletFlow()
	c, err := cfg.Replay(flow[:6]) // approved
	require.NoError(t, err)
	c, err = cfg.Apply(c, appeal.Event{ID: "h", Kind: appeal.LegalHoldPlaced, At: at(30), By: "legal-1", Reference: "court order 2026-17"})
	require.NoError(t, err)
	_, err = cfg.Apply(c, flow[6])
	requireRefused(t, err, appeal.RefusedOnHold)
	_, err = cfg.Apply(c, appeal.Event{ID: "u", Kind: appeal.LegalHoldLifted, At: at(31), By: "legal-1", Reference: "another order"})
	requireRefused(t, err, appeal.RefusedState)
	c, err = cfg.Apply(c, appeal.Event{ID: "u", Kind: appeal.LegalHoldLifted, At: at(31), By: "legal-1", Reference: "court order 2026-17"})
	require.NoError(t, err)
	c, err = cfg.Apply(c, flow[6])
	require.NoError(t, err)
	// A hold placed while a payout is in flight: it cannot be confirmed, it can come back.
	c, err = cfg.Apply(c, appeal.Event{ID: "h2", Kind: appeal.LegalHoldPlaced, At: at(32), By: "legal-1", Reference: "order 2"})
	require.NoError(t, err)
	_, err = cfg.Apply(c, appeal.Event{ID: "8", Kind: appeal.PayoutConfirmed, At: at(33), Reference: "7"})
	requireRefused(t, err, appeal.RefusedOnHold)
	c, err = cfg.Apply(c, appeal.Event{ID: "f", Kind: appeal.PayoutFailed, At: at(33), Reference: "7"})
	require.NoError(t, err)
	assert.Equal(t, appeal.Approved, c.Status)
	assert.Zero(t, c.Paid)
	assert.True(t, c.Conserved())
}

func TestRejectionCanBeAppealedWithinTheWindow(t *testing.T) {
	cfg := appeal.DefaultConfig()
	flow := walletFlow()
	c, err := cfg.Replay(flow[:5]) // deductions reviewed
	require.NoError(t, err)
	_, err = cfg.Apply(c, appeal.Event{ID: "r", Kind: appeal.ClaimRejected, At: at(30), By: "supervisor-2"})
	requireRefused(t, err, appeal.RefusedInvalid)
	c, err = cfg.Apply(c, appeal.Event{ID: "r", Kind: appeal.ClaimRejected, At: at(30), By: "supervisor-2", Reason: "the caller could not answer the security questions"})
	require.NoError(t, err)
	late := appeal.Event{ID: "a", Kind: appeal.RejectionAppealed, At: at(30).Add(cfg.AppealWindow + time.Hour)}
	_, err = cfg.Apply(c, late)
	requireRefused(t, err, appeal.RefusedTime)
	c, err = cfg.Apply(c, appeal.Event{ID: "a", Kind: appeal.RejectionAppealed, At: at(30).Add(30 * 24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, appeal.InReview, c.Status)
	c, err = cfg.Apply(c, appeal.Event{ID: "ok", Kind: appeal.ClaimApproved, At: at(30).Add(31 * 24 * time.Hour), By: "supervisor-3"})
	require.NoError(t, err)
	assert.Equal(t, appeal.Approved, c.Status)
}

func TestUnclaimedFundsAreRemittedAfterDormancy(t *testing.T) {
	cfg := appeal.DefaultConfig()
	c, err := cfg.Replay(walletFlow()[:2])
	require.NoError(t, err)
	later := c.LastActivity.Add(cfg.Dormancy)
	_, err = cfg.Apply(c, appeal.Event{ID: "u", Kind: appeal.Unclaimed, At: later.Add(-time.Hour), Payee: "unclaimed-property office"})
	requireRefused(t, err, appeal.RefusedTime)
	c, err = cfg.Apply(c, appeal.Event{ID: "u", Kind: appeal.Unclaimed, At: later, Payee: "unclaimed-property office"})
	require.NoError(t, err)
	assert.Equal(t, appeal.Remitted, c.Status)
	assert.Equal(t, int64(125000), c.Remitted)
	assert.True(t, c.Conserved())
	_, err = cfg.Apply(c, appeal.Event{ID: "z", Kind: appeal.ClaimOpened, At: later.Add(time.Hour), Channel: "customer-service hotline"})
	requireRefused(t, err, appeal.RefusedState)
}

func TestChannelsAreConfiguration(t *testing.T) {
	cfg := appeal.DefaultConfig()
	cfg.Channels[0].Name, cfg.Channels[0].Identity = "in-app chat", "video"
	c, err := cfg.Replay(walletFlow()[:1])
	require.NoError(t, err)
	_, err = cfg.Apply(c, appeal.Event{ID: "2", Kind: appeal.ClaimOpened, At: at(1), Channel: "customer-service hotline"})
	requireRefused(t, err, appeal.RefusedChannel)
	c, err = cfg.Apply(c, appeal.Event{ID: "2", Kind: appeal.ClaimOpened, At: at(1), Channel: "in-app chat"})
	require.NoError(t, err)
	_, err = cfg.Apply(c, appeal.Event{ID: "3", Kind: appeal.IdentityChecked, At: at(2), By: "a", Method: "phone", Holder: "Li Wei"})
	requireRefused(t, err, appeal.RefusedIdentity)
	routes := cfg.Routes()
	assert.Equal(t, "in-app chat", routes[0].Channel)
}

func TestDeductionsCannotOverflow(t *testing.T) {
	cfg := appeal.DefaultConfig()
	c, err := cfg.Replay(walletFlow()[:3])
	require.NoError(t, err)
	c, err = cfg.Apply(c, appeal.Event{ID: "d1", Kind: appeal.DeductionProposed, At: at(26), By: "a", Amount: 10, Basis: appeal.CourtOrder, Reference: "o-1", Payee: "court"})
	require.NoError(t, err)
	_, err = cfg.Apply(c, appeal.Event{ID: "d2", Kind: appeal.DeductionProposed, At: at(26), By: "a", Amount: math.MaxInt64, Basis: appeal.CourtOrder, Reference: "o-2", Payee: "court"})
	requireRefused(t, err, appeal.RefusedFunds)
}
