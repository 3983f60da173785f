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

// reload stores the claim as JSON and loads it again, as a store would.
func reload(t *testing.T, c funds.Claim) funds.Claim {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back funds.Claim
	require.NoError(t, json.Unmarshal(b, &back))
	return back
}

func wmClaim(t *testing.T, cfg funds.Config) funds.Claim {
	c, _ := stamp(t, cfg, []funds.Event{
		{ID: "1", Kind: funds.EventFrozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 1000000},
	})
	return c
}

// Point 2: one person cannot carry a claim alone, and a rejection appealed
// goes to someone else.
func TestSeparationOfDuties(t *testing.T) {
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	flow[5].By = "agent-4" // the agent who checked identity and proposed the chargeback approves
	c, _ := stamp(t, cfg, flow[:5])
	_, err := step(cfg, c, flow[5])
	requireRefused(t, err, funds.CodeSeparation)

	// Without the identity separation the proposer is still refused; once
	// the deduction is withdrawn, the identity checker may approve.
	cfg.SeparateIdentityCheck = false
	_, err = step(cfg, c, flow[5])
	requireRefused(t, err, funds.CodeSeparation)
	c2, err := step(cfg, c, funds.Event{ID: "w", Kind: funds.EventDeductionWithdrawn, At: at(28), By: "agent-4", Reference: "4"})
	require.NoError(t, err)
	c2, err = step(cfg, c2, funds.Event{ID: "6", Kind: funds.EventApproved, At: at(30), By: "agent-4"})
	require.NoError(t, err, "identity checker approves when the config allows it")
	assert.Zero(t, c2.Deducted)

	cfg = funds.DefaultConfig()
	c, err = step(cfg, c, funds.Event{ID: "r", Kind: funds.EventRejected, At: at(30), By: "Reviewer-7 ", Reason: "the caller failed the security questions"})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "a", Kind: funds.EventRejectionAppealed, At: at(40)})
	require.NoError(t, err)
	for _, kind := range []funds.EventKind{funds.EventApproved, funds.EventRejected} {
		_, err = step(cfg, c, funds.Event{ID: "again", Kind: kind, At: at(41), By: "reviewer-7", Reason: "still no"})
		requireRefused(t, err, funds.CodeSeparation)
	}
	c, err = step(cfg, c, funds.Event{ID: "ok", Kind: funds.EventApproved, At: at(41), By: "reviewer-8"})
	require.NoError(t, err)
	assert.Equal(t, []string{"reviewer-7"}, c.Rejecters, "names are kept normalised")
}

// Point 3: a reference is deducted once; valuations are a person's and
// bounded.
func TestDeductionsAndValuationsAreBounded(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:4]) // cb-991 proposed
	for _, ref := range []string{"cb-991", " CB-991 "} {
		_, err := step(cfg, c, funds.Event{ID: "4b", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-4", Amount: 5000,
			Basis: funds.BasisChargeback, Reference: ref, Payee: "original payer of order 991"})
		requireRefused(t, err, funds.CodeDuplicateRef)
	}
	// After approval the reference stays deducted.
	flow := walletFlow()
	c, _ = stamp(t, cfg, flow[:6])
	require.Len(t, c.Deductions, 1)

	c = wmClaim(t, cfg)
	_, err := step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), Automated: true, Amount: 10})
	requireRefused(t, err, funds.CodeNotPerson)
	_, err = step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: -1000001})
	requireRefused(t, err, funds.CodeInsufficient)
	_, err = step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 100001})
	requireRefused(t, err, funds.CodeSecondPerson)
	_, err = step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Cosigner: " DESK", Amount: 100001})
	requireRefused(t, err, funds.CodeSecondPerson)
	c2, err := step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 100000})
	require.NoError(t, err, "10%% is within the bound")
	assert.Equal(t, int64(1100000), c2.Held)
	c2, err = step(cfg, c, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Cosigner: "risk-officer", Amount: 5000000})
	require.NoError(t, err)
	assert.Equal(t, int64(6000000), c2.Held)
	assert.True(t, c2.Conserved())

	// A wallet does not change value.
	w, _ := stamp(t, cfg, walletFlow()[:1])
	_, err = step(cfg, w, funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 10})
	requireRefused(t, err, funds.CodeWrongState)
}

// Point 4: a claim stored as JSON and loaded again recognises a retried
// event; times compare as instants.
func TestIdempotencySurvivesStorage(t *testing.T) {
	cfg := funds.DefaultConfig()
	c := wmClaim(t, cfg)
	v := c.Next(funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: at(1).Round(0).Add(time.Nanosecond), By: "desk", Amount: 5000})
	c, err := cfg.Apply(c, v, now)
	require.NoError(t, err)
	c = reload(t, c)

	shanghai := time.FixedZone("CST", 8*3600)
	for _, retry := range []funds.Event{
		v,
		func() funds.Event { r := v; r.At = r.At.In(shanghai); return r }(),
		func() funds.Event { r := v; r.At = time.Unix(0, r.At.UnixNano()); return r }(),
		c.Next(v), // stamped again after a reload: still the same event
	} {
		again, err := cfg.Apply(c, retry, now)
		require.NoError(t, err)
		assert.Equal(t, c, again, "a retried valuation change has effect once")
		assert.Equal(t, int64(1005000), again.Held)
		assert.Equal(t, 2, again.Version, "the event count does not fall back")
	}
	changed := v
	changed.Amount = 5001
	_, err = cfg.Apply(c, changed, now)
	requireRefused(t, err, funds.CodeIDConflict)
}

// Point 5: two operators write against the same version; the second is a
// typed conflict; the log refuses gaps, duplicates and reordering.
func TestConcurrentWritesConflict(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:3])
	a := c.Next(funds.Event{ID: "court", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-1", Amount: 7000, Basis: funds.BasisCourtOrder, Reference: "order 5", Payee: "court registry"})
	b := c.Next(funds.Event{ID: "close", Kind: funds.EventDeductionsClosed, At: at(26), By: "agent-2"})
	stored, err := cfg.Apply(c, a, now)
	require.NoError(t, err)
	_, err = cfg.Apply(stored, b, now)
	requireRefused(t, err, funds.CodeVersion)
	require.ErrorIs(t, err, funds.ErrConflict)
	// The loser reloads and retries: the court order survives.
	after, err := cfg.Apply(stored, stored.Next(b), now)
	require.NoError(t, err)
	require.Len(t, after.Pending, 1)

	// Prev must follow the head even at the right Seq.
	forged := stored.Next(b)
	forged.Prev = c.Head
	_, err = cfg.Apply(stored, forged, now)
	requireRefused(t, err, funds.CodeChain)
	require.ErrorIs(t, err, funds.ErrConflict)

	_, log := stamp(t, cfg, walletFlow())
	for name, tt := range map[string]struct {
		edit func([]funds.Event) []funds.Event
		code policy.Code
		path string
	}{
		"gap":       {func(l []funds.Event) []funds.Event { return append(l[:3:3], l[4:]...) }, funds.CodeSequence, "events[3].seq"},
		"duplicate": {func(l []funds.Event) []funds.Event { return append(l[:4:4], l[3:]...) }, funds.CodeSequence, "events[4].seq"},
		"reordered": {func(l []funds.Event) []funds.Event {
			l = append([]funds.Event(nil), l...)
			l[3], l[4] = l[4], l[3]
			return l
		}, funds.CodeSequence, "events[3].seq"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cfg.Replay(tt.edit(log), now)
			re := requireRefused(t, err, tt.code)
			assert.Equal(t, tt.path, re.Path)
		})
	}
	replayed, err := cfg.Replay(log, now)
	require.NoError(t, err)
	require.NoError(t, cfg.Verify(replayed, log, now))
}

// Point 6: a snapshot is checked before anything is applied to it; the
// chain exposes an edited, removed or inserted event.
func TestNothingIsTrustedThatCanBeChecked(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, log := stamp(t, cfg, walletFlow()[:6]) // approved
	next := funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(31), Destination: funds.Destination{Account: "b", Name: "Li Wei", Verified: true}}
	for name, edit := range map[string]func(c *funds.Claim){
		"held inflated":        func(c *funds.Claim) { c.Held *= 10 },
		"deducted forgotten":   func(c *funds.Claim) { c.Deducted, c.Held = 0, c.Held+c.Deducted },
		"negative amount":      func(c *funds.Claim) { c.Held, c.Paid = -1, c.Paid+c.Held+1 },
		"version rolled back":  func(c *funds.Claim) { c.Version-- },
		"approver erased":      func(c *funds.Claim) { c.ApprovedBy = "" },
		"unverified holder":    func(c *funds.Claim) { c.HolderVerified = false },
		"payout without state": func(c *funds.Claim) { c.Payout = &funds.Payout{Event: "x", Amount: c.Held} },
		"bad status":           func(c *funds.Claim) { c.Status = 77 },
		"last activity moved":  func(c *funds.Claim) { c.LastActivity = c.LastActivity.Add(time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			bad := reload(t, c)
			edit(&bad)
			require.Error(t, cfg.Check(bad))
			after, err := step(cfg, bad, next)
			requireRefused(t, err, funds.CodeSnapshot)
			assert.Equal(t, bad, after)
		})
	}
	require.NoError(t, cfg.Check(c))

	// An edited frozen amount: the next event no longer follows it.
	edited := append([]funds.Event(nil), log...)
	edited[0].Amount = 999999
	_, err := cfg.Replay(edited, now)
	re := requireRefused(t, err, funds.CodeChain)
	assert.Equal(t, "events[1].prev", re.Path)
	// The last event edited: only the snapshot can tell, and Verify does.
	edited = append([]funds.Event(nil), log...)
	edited[5].By = "supervisor-9"
	requireRefused(t, cfg.Verify(c, edited, now), funds.CodeSnapshotDiffers)
	// Removed and renumbered, or inserted and renumbered: the chain breaks.
	removed := append(append([]funds.Event(nil), log[:2]...), log[3:]...)
	for i := range removed {
		removed[i].Seq = i + 1
	}
	_, err = cfg.Replay(removed, now)
	requireRefused(t, err, funds.CodeChain)
	inserted := append(append([]funds.Event(nil), log[:3]...), log[2:]...)
	inserted[3].ID = "extra"
	for i := range inserted {
		inserted[i].Seq = i + 1
	}
	_, err = cfg.Replay(inserted, now)
	requireRefused(t, err, funds.CodeChain)
}

// Point 7: dormancy has a floor, remittance goes to the authority, the
// future is refused, and a mistyped time is corrected with a trail.
func TestDormancyAndRemittanceFollowTheLaw(t *testing.T) {
	cfg := funds.DefaultConfig()
	cfg.Dormancy = 0
	c, _ := stamp(t, cfg, walletFlow()[:2])
	_, err := step(cfg, c, funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: c.LastActivity.Add(time.Hour), Automated: true, Payee: cfg.Authority})
	requireRefused(t, err, funds.CodeTime)
	floor := c.LastActivity.AddDate(funds.MinDormancyYears, 0, 0)
	_, err = step(cfg, c, funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: floor, Automated: true, Payee: "my cousin"})
	requireRefused(t, err, funds.CodePayee)
	_, err = cfg.Apply(c, c.Next(funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: floor, Automated: true, Payee: cfg.Authority}), floor.Add(-time.Second))
	requireRefused(t, err, funds.CodeFuture)
	noAuthority := cfg
	noAuthority.Authority = ""
	_, err = step(noAuthority, c, funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: floor, Automated: true, Payee: ""})
	requireRefused(t, err, funds.CodePayee)
	done, err := step(cfg, c, funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: floor, Automated: true, Payee: " Unclaimed-Property Office"})
	require.NoError(t, err)
	assert.Equal(t, funds.StatusRemitted, done.Status)
	assert.Equal(t, int64(125000), done.Remitted)

	// A year mistyped on the opening (2027 for 2026), accepted because
	// the caller's clock was a year ahead too: the claim is stuck until a
	// person corrects it, once the clock is right.
	typo := funds.DefaultConfig()
	c, _ = stamp(t, typo, walletFlow()[:1])
	wrong := c.Next(funds.Event{ID: "2", Kind: funds.EventOpened, At: at(24).AddDate(1, 0, 0), Channel: "customer-service hotline"})
	c, err = typo.Apply(c, wrong, now)
	require.NoError(t, err)
	_, err = step(typo, c, funds.Event{ID: "3", Kind: funds.EventIdentityChecked, At: at(25), By: "agent-4", Method: "phone", Holder: "Li Wei"})
	requireRefused(t, err, funds.CodeTime)
	fix := funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: at(25), By: "supervisor-1", Reference: "2", Corrected: at(24), Reason: "year mistyped at intake"}
	_, err = step(typo, c, funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: at(25), Automated: true, Reference: "2", Corrected: at(24), Reason: "x"})
	requireRefused(t, err, funds.CodeNotPerson)
	_, err = step(typo, c, funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: at(25), By: "s", Reference: "1", Corrected: at(24), Reason: "x"})
	requireRefused(t, err, funds.CodeWrongState)
	_, err = step(typo, c, funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: at(25), By: "s", Reference: "2", Corrected: at(-1), Reason: "x"})
	requireRefused(t, err, funds.CodeTime)
	c, err = typo.Apply(c, c.Next(fix), now)
	requireRefused(t, err, funds.CodeTime) // by a clock still a year ahead, the opening's time has come
	c, err = typo.Apply(c, c.Next(fix), at(25))
	require.NoError(t, err, "corrected once the clock is right")
	c, err = step(typo, c, funds.Event{ID: "3", Kind: funds.EventIdentityChecked, At: at(25), By: "agent-4", Method: "phone", Holder: "Li Wei"})
	require.NoError(t, err, "the claim moves on after the correction")
	assert.Equal(t, funds.EventOpened, c.Log[1].Kind, "the mistyped event stays in the log")
	assert.Equal(t, funds.EventTimeCorrected, c.Log[2].Kind, "and so does its correction")
}

// A ban lifted on appeal releases what is still held, once.
func TestReleaseFreesOnlyWhatIsHeld(t *testing.T) {
	cfg := funds.DefaultConfig()
	paid, _ := stamp(t, cfg, walletFlow())
	rel := funds.Event{ID: "release", Kind: funds.EventReleased, At: at(50), By: "appeals-officer-1", Reference: "ruling-1"}
	_, err := step(cfg, paid, rel)
	requireRefused(t, err, funds.CodeWrongState)
	_, ok := funds.ReleaseAction(paid)
	assert.False(t, ok, "a paid claim releases nothing")

	c, _ := stamp(t, cfg, walletFlow()[:6]) // approved, chargeback deducted
	_, err = step(cfg, c, funds.Event{ID: "release", Kind: funds.EventReleased, At: at(50), By: "appeals-officer-1"})
	requireRefused(t, err, funds.CodeInvalidEvent)
	c, err = step(cfg, c, rel)
	require.NoError(t, err)
	again, err := step(cfg, c, rel)
	require.NoError(t, err, "a retried release is the same release")
	assert.Equal(t, c, again)
	a, ok := funds.ReleaseAction(c)
	require.True(t, ok)
	assert.Equal(t, int64(120000), a.Holdings[0].Amount, "the chargeback is not released")
	assert.Equal(t, "release", a.Key, "the action is keyed by the event that released the claim")
	assert.True(t, c.Conserved())
}

// An event whose enums have no text form is refused before it could reach
// a store that cannot write it.
func TestEventsThatCannotBeStoredAreRefused(t *testing.T) {
	cfg := funds.DefaultConfig()
	_, err := step(cfg, funds.Claim{}, funds.Event{ID: "1", Kind: funds.EventFrozen, At: at(0), Account: "u1", Currency: "CNY", Asset: 9})
	requireRefused(t, err, funds.CodeInvalidEvent)
	c, _ := stamp(t, cfg, walletFlow()[:1])
	_, err = step(cfg, c, funds.Event{ID: "2", Kind: funds.EventOpened, At: at(1), Channel: "customer-service hotline", Basis: 7})
	requireRefused(t, err, funds.CodeBasis)
	_, err = cfg.Apply(c, c.Next(funds.Event{ID: "2", Kind: funds.EventOpened, At: at(1), Channel: "customer-service hotline"}), time.Time{})
	requireRefused(t, err, funds.CodeInvalidEvent)
}
