package funds_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

var t0 = time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

// now is the time the tests say it is: well after every event of the flows.
var now = t0.AddDate(20, 0, 0)

// walletFlow is a complete wallet recovery: frozen, claimed on the hotline,
// identity checked by phone, a chargeback deducted, approved by a
// supervisor, paid out.
func walletFlow() []funds.Event {
	dest := funds.Destination{Account: "bank-6222", Name: "Li Wei", Verified: true}
	return []funds.Event{
		{ID: "1", Kind: funds.EventFrozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWallet, Currency: "CNY", Amount: 125000},
		{ID: "2", Kind: funds.EventOpened, At: at(24), Channel: "customer-service hotline"},
		{ID: "3", Kind: funds.EventIdentityChecked, At: at(25), By: "agent-4", Method: "phone", Holder: "Li Wei"},
		{ID: "4", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-4", Amount: 5000, Basis: funds.BasisChargeback, Reference: "cb-991", Payee: "original payer of order 991"},
		{ID: "5", Kind: funds.EventDeductionsClosed, At: at(27), By: "agent-4"},
		{ID: "6", Kind: funds.EventApproved, At: at(30), By: "supervisor-2"},
		{ID: "7", Kind: funds.EventPayoutRequested, At: at(31), Destination: dest},
		{ID: "8", Kind: funds.EventPayoutConfirmed, At: at(40), Reference: "7"},
	}
}

// stamp gives each event its place in the log: Seq and Prev, as a store
// would when appending to the claim it holds.
func stamp(t *testing.T, cfg funds.Config, events []funds.Event) (funds.Claim, []funds.Event) {
	t.Helper()
	var c funds.Claim
	out := make([]funds.Event, len(events))
	for i, e := range events {
		out[i] = c.Next(e)
		var err error
		c, err = cfg.Apply(c, out[i], now)
		require.NoError(t, err, "event %d", i)
	}
	return c, out
}

// step applies one event stamped for the claim.
func step(cfg funds.Config, c funds.Claim, e funds.Event) (funds.Claim, error) {
	return cfg.Apply(c, c.Next(e), now)
}

func requireRefused(t *testing.T, err error, code policy.Code) *funds.RefusedError {
	t.Helper()
	var re *funds.RefusedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, code, re.Code, re.Error())
	assert.Equal(t, code, policy.CodeOf(err), "policy.CodeOf reads the refusal")
	require.ErrorIs(t, err, funds.ErrRefused)
	return re
}

// A payout sends all that is held and its confirmation records all of it
// paid: an amount either states must be that whole, or a bank's report of
// part of it would be recorded as payment in full.
func TestAPayoutStatesNoAmountButItsWhole(t *testing.T) {
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	c, _ := stamp(t, cfg, flow[:6]) // approved, 120000 held
	request, confirm := flow[6], flow[7]
	for _, amount := range []int64{1, 60000, 119999, 120001, -120000} {
		e := request
		e.Amount = amount
		_, err := step(cfg, c, e)
		assert.Equal(t, "amount", requireRefused(t, err, funds.CodeInvalidEvent).Path, "a request of %d", amount)
	}
	request.Amount = 120000
	c, err := step(cfg, c, request)
	require.NoError(t, err)
	for _, amount := range []int64{1, 60000, 119999, 120001} {
		e := confirm
		e.Amount = amount
		refused, err := step(cfg, c, e)
		assert.Equal(t, "amount", requireRefused(t, err, funds.CodeInvalidEvent).Path, "a confirmation of %d", amount)
		assert.Zero(t, refused.Paid, "a refusal pays nothing")
	}
	confirm.Amount = 120000
	c, err = step(cfg, c, confirm)
	require.NoError(t, err)
	assert.Equal(t, int64(120000), c.Paid)
	assert.True(t, c.Conserved())
}

func TestWalletRecoveryPaysTheHolder(t *testing.T) {
	c, _ := stamp(t, funds.DefaultConfig(), walletFlow())
	assert.Equal(t, funds.StatusPaid, c.Status)
	assert.Equal(t, int64(120000), c.Paid)
	assert.Equal(t, int64(5000), c.Deducted)
	assert.Zero(t, c.Held)
	assert.True(t, c.Conserved())
	assert.Equal(t, "supervisor-2", c.ApprovedBy)
	require.Len(t, c.Payouts, 1)
	assert.Equal(t, "Li Wei", c.Payouts[0].Destination.Name)
	assert.Equal(t, 8, c.Version)

	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"paid"`)
}

func TestWealthManagementIsRedeemedBeforePayout(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, []funds.Event{
		{ID: "1", Kind: funds.EventFrozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 1000000},
		{ID: "2", Kind: funds.EventValuationChanged, At: at(10), By: "market-desk", Amount: 2500},
		{ID: "3", Kind: funds.EventOpened, At: at(24), Channel: "online application"},
		{ID: "4", Kind: funds.EventIdentityChecked, At: at(25), By: "agent-1", Method: "online", Holder: "Li Wei"},
		{ID: "5", Kind: funds.EventDeductionsClosed, At: at(26), By: "agent-1"},
		{ID: "6", Kind: funds.EventApproved, At: at(27), By: "supervisor-1"},
	})
	dest := funds.Destination{Account: "bank-1", Name: "Li Wei", Verified: true}
	_, err := step(cfg, c, funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(28), Destination: dest})
	requireRefused(t, err, funds.CodeRedemption)

	c, err = step(cfg, c, funds.Event{ID: "7", Kind: funds.EventRedeemed, At: at(28), Automated: true, Amount: 1001800})
	require.NoError(t, err)
	assert.Equal(t, int64(1001800), c.Held)
	assert.Equal(t, int64(1800), c.Valuation, "explicit valuation changes: +2500 then -700 at redemption")
	c, err = step(cfg, c, funds.Event{ID: "8", Kind: funds.EventPayoutRequested, At: at(29), Destination: dest})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "9", Kind: funds.EventPayoutConfirmed, At: at(30), Reference: "8"})
	require.NoError(t, err)
	assert.Equal(t, int64(1001800), c.Paid)
	assert.True(t, c.Conserved())
}

// Each step of the wallet flow, altered, is refused for its reason and at
// its field; the state stays as it was.
func TestRefusals(t *testing.T) {
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	for _, tt := range []struct {
		name  string
		step  int // index of the event replaced
		edit  func(e *funds.Event)
		code  policy.Code
		path  string
		setup func(events []funds.Event)
	}{
		{"claim on the wrong channel", 1, func(e *funds.Event) { e.Channel = "online application" }, funds.CodeWrongChannel, "channel", nil},
		{"identity by the wrong method", 2, func(e *funds.Event) { e.Method = "email" }, funds.CodeIdentity, "method", nil},
		{"claimant is not the holder", 2, func(e *funds.Event) { e.Holder = "Wang Fang" }, funds.CodeIdentity, "holder", nil},
		{"no verified real-name record", 2, nil, funds.CodeIdentity, "holder", func(ev []funds.Event) { ev[0].Verified = false }},
		{"identity checked by a machine", 2, func(e *funds.Event) { e.Automated = true }, funds.CodeNotPerson, "by", nil},
		{"deduction without a basis", 3, func(e *funds.Event) { e.Basis = 0 }, funds.CodeBasis, "basis", nil},
		{"chargeback without its payer", 3, func(e *funds.Event) { e.Payee = " " }, funds.CodeBasis, "payee", nil},
		{"deduction above the funds", 3, func(e *funds.Event) { e.Amount = 125001 }, funds.CodeInsufficient, "amount", nil},
		{"approval by nobody", 5, func(e *funds.Event) { e.By = "  " }, funds.CodeNotPerson, "by", nil},
		{"approval by a machine", 5, func(e *funds.Event) { e.Automated = true }, funds.CodeNotPerson, "by", nil},
		{"approval by the proposer of the deduction", 5, func(e *funds.Event) { e.By = " Agent-4" }, funds.CodeSeparation, "by", nil},
		{"approval by the identity checker", 5, func(e *funds.Event) { e.By = "AGENT-4 " }, funds.CodeSeparation, "by", func(ev []funds.Event) {
			ev[3].By = "agent-5" // the deduction is someone else's: the identity check still separates
		}},
		{"payout to another name", 6, func(e *funds.Event) { e.Destination.Name = "Wang Fang" }, funds.CodeDestination, "destination.name", nil},
		{"payout to an unverified account", 6, func(e *funds.Event) { e.Destination.Verified = false }, funds.CodeDestination, "destination.verified", nil},
		{"confirmation of no payout", 7, func(e *funds.Event) { e.Reference = "99" }, funds.CodeWrongState, "reference", nil},
		{"approval before the deductions are reviewed", 4, func(e *funds.Event) { e.Kind = funds.EventApproved }, funds.CodeWrongState, "kind", nil},
		{"an id reused for another event", 3, func(e *funds.Event) { e.ID = "2" }, funds.CodeIDConflict, "id", nil},
		{"time going back", 3, func(e *funds.Event) { e.At = at(1) }, funds.CodeTime, "at", nil},
		{"dated after now", 3, func(e *funds.Event) { e.At = now.Add(time.Second) }, funds.CodeFuture, "at", nil},
		{"unclaimed too early", 3, func(e *funds.Event) {
			*e = funds.Event{ID: "x", Kind: funds.EventUnclaimed, At: at(100), Payee: "unclaimed-property office"}
		}, funds.CodeTime, "at", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events := append([]funds.Event(nil), flow...)
			if tt.setup != nil {
				tt.setup(events)
			}
			before, _ := stamp(t, cfg, events[:tt.step])
			e := events[tt.step]
			if tt.edit != nil {
				tt.edit(&e)
			}
			after, err := step(cfg, before, e)
			re := requireRefused(t, err, tt.code)
			assert.Equal(t, tt.path, re.Path)
			path, _ := policy.PathOf(err)
			assert.Equal(t, tt.path, path)
			assert.Equal(t, before, after, "a refused event changes nothing")
		})
	}
}

func TestLegalHoldPausesEverything(t *testing.T) {
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	c, _ := stamp(t, cfg, flow[:6]) // approved
	c, err := step(cfg, c, funds.Event{ID: "h", Kind: funds.EventLegalHoldPlaced, At: at(30), By: "legal-1", Reference: "court order 2026-17"})
	require.NoError(t, err)
	_, err = step(cfg, c, flow[6])
	requireRefused(t, err, funds.CodeLegalHold)
	_, err = step(cfg, c, funds.Event{ID: "u", Kind: funds.EventLegalHoldLifted, At: at(31), By: "legal-1", Reference: "another order"})
	requireRefused(t, err, funds.CodeWrongState)
	c, err = step(cfg, c, funds.Event{ID: "u", Kind: funds.EventLegalHoldLifted, At: at(31), By: "legal-1", Reference: "court order 2026-17"})
	require.NoError(t, err)
	c, err = step(cfg, c, flow[6])
	require.NoError(t, err)
	// A hold placed while a payout is in flight: it cannot be confirmed, it can come back.
	c, err = step(cfg, c, funds.Event{ID: "h2", Kind: funds.EventLegalHoldPlaced, At: at(32), By: "legal-1", Reference: "order 2"})
	require.NoError(t, err)
	_, err = step(cfg, c, funds.Event{ID: "8", Kind: funds.EventPayoutConfirmed, At: at(33), Reference: "7"})
	requireRefused(t, err, funds.CodeLegalHold)
	c, err = step(cfg, c, funds.Event{ID: "f", Kind: funds.EventPayoutFailed, At: at(33), Reference: "7"})
	require.NoError(t, err)
	assert.Equal(t, funds.StatusApproved, c.Status)
	assert.Zero(t, c.Paid)
	assert.True(t, c.Conserved())
}

func TestChannelsAreConfiguration(t *testing.T) {
	cfg := funds.DefaultConfig()
	cfg.Routes[0].Channel, cfg.Routes[0].Identity = "in-app chat", "video"
	c, _ := stamp(t, cfg, walletFlow()[:1])
	_, err := step(cfg, c, funds.Event{ID: "2", Kind: funds.EventOpened, At: at(1), Channel: "customer-service hotline"})
	requireRefused(t, err, funds.CodeWrongChannel)
	c, err = step(cfg, c, funds.Event{ID: "2", Kind: funds.EventOpened, At: at(1), Channel: "in-app chat"})
	require.NoError(t, err)
	_, err = step(cfg, c, funds.Event{ID: "3", Kind: funds.EventIdentityChecked, At: at(2), By: "a", Method: "phone", Holder: "Li Wei"})
	requireRefused(t, err, funds.CodeIdentity)
	assert.Equal(t, "in-app chat", cfg.Routes[0].Channel)
	assert.Equal(t, "customer-service hotline", funds.DefaultConfig().Routes[0].Channel, "the default is not shared")
}

func TestDeductionsCannotOverflow(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:3])
	c, err := step(cfg, c, funds.Event{ID: "d1", Kind: funds.EventDeductionProposed, At: at(26), By: "a", Amount: 10, Basis: funds.BasisCourtOrder, Reference: "o-1", Payee: "court"})
	require.NoError(t, err)
	_, err = step(cfg, c, funds.Event{ID: "d2", Kind: funds.EventDeductionProposed, At: at(26), By: "a", Amount: 1<<63 - 1, Basis: funds.BasisCourtOrder, Reference: "o-2", Payee: "court"})
	requireRefused(t, err, funds.CodeInvalidEvent)
	_, err = step(cfg, c, funds.Event{ID: "d2", Kind: funds.EventDeductionProposed, At: at(26), By: "a", Amount: funds.MaxAmount, Basis: funds.BasisCourtOrder, Reference: "o-2", Payee: "court"})
	requireRefused(t, err, funds.CodeInsufficient)
}

func TestEnumsRoundTrip(t *testing.T) {
	for s := funds.StatusHeld; s.IsValid(); s++ {
		got, err := funds.ParseStatus(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	for k := funds.EventFrozen; k.IsValid(); k++ {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var got funds.EventKind
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, k, got)
	}
	for _, b := range []funds.Basis{funds.BasisChargeback, funds.BasisCourtOrder} {
		got, err := funds.ParseBasis(b.String())
		require.NoError(t, err)
		assert.Equal(t, b, got)
	}
	for r := funds.RouteAny; r.IsValid(); r++ {
		got, err := funds.ParseRoute(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	_, err := funds.ParseStatus("held ")
	require.Error(t, err)
	assert.False(t, funds.Status(0).IsValid())
	assert.False(t, funds.EventKind(99).IsValid())
	_, err = funds.Status(99).MarshalText()
	require.Error(t, err)
}
