package funds_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// One person with two spellings of a name is still one person: case
// folding beyond ASCII, compatibility forms (full-width, mathematical
// letters, ligatures), invisible characters and runs of space do not make
// a second reviewer.
func TestOnePersonTwoSpellings(t *testing.T) {
	for _, alias := range []string{
		"ａｇｅｎｔ-4",             // full-width
		"agent\u200b-4",       // zero-width space
		"agent-\u2064" + "4",  // invisible plus
		"\u200eagent-4\u200f", // bidi marks
		"𝐚𝐠𝐞𝐧𝐭-4",             // mathematical bold
		"agent-4\u00a0",       // no-break space
		"\u212aarl",           // Kelvin sign: checked as "karl" below
	} {
		t.Run(alias, func(t *testing.T) {
			name := "agent-4"
			if alias == "\u212aarl" {
				name = "karl"
			}
			assert.True(t, funds.SamePerson(alias, name), "%q is %q", alias, name)
		})
	}
	assert.True(t, funds.SamePerson("Agent  4", "agent 4"), "runs of space are one space")
	assert.True(t, funds.SamePerson("ΟΔΥΣΣΕΥΣ", "οδυσσευς"), "final sigma folds")
	assert.False(t, funds.SamePerson("agent-4", "agent-40"))
	assert.False(t, funds.SamePerson("agent 4", "agent4"), "a space between words still counts")

	// The attack: the agent who proposed the chargeback approves under a
	// full-width spelling of the same name.
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	flow[5].By = "ａｇｅｎｔ\u200b-4"
	c, _ := stamp(t, cfg, flow[:5])
	_, err := step(cfg, c, flow[5])
	requireRefused(t, err, funds.CodeSeparation)
}

// A chargeback reference that differs only in case, width, invisible
// characters or spacing is the same reference.
func TestReferenceSpellings(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:4]) // cb-991 proposed
	for _, ref := range []string{"ＣＢ-991", "cb\u200b-991", "cb - 991", "cb-991\u00a0", "CB-９９１"} {
		_, err := step(cfg, c, funds.Event{ID: "4b", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-5", Amount: 5000,
			Basis: funds.BasisChargeback, Reference: ref, Payee: "original payer of order 991"})
		requireRefused(t, err, funds.CodeDuplicateRef)
	}
	c2, err := step(cfg, c, funds.Event{ID: "4b", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-5", Amount: 5000,
		Basis: funds.BasisChargeback, Reference: "cb-992", Payee: "original payer of order 992"})
	require.NoError(t, err, "another reference is another deduction")
	require.Len(t, c2.Pending, 2)
}

// A payout goes only to the holder's own name: a look-alike in another
// script, or the name with invisible characters in it, is refused.
func TestDestinationLookAlikes(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:6]) // approved
	for _, name := range []string{
		"Li W\u0435i",  // Cyrillic ie
		"Li We\u0456",  // Cyrillic i
		"Li\u200b Wei", // zero-width space
		"Li Wei\u202e", // right-to-left override
		"Li Wei Jr",
	} {
		_, err := step(cfg, c, funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(31),
			Destination: funds.Destination{Account: "bank-x", Name: name, Verified: true}})
		requireRefused(t, err, funds.CodeDestination)
	}
	for _, name := range []string{"LI WEI", " li  wei ", "Ｌｉ Ｗｅｉ"} {
		_, err := step(cfg, c, funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(31),
			Destination: funds.Destination{Account: "bank-6222", Name: name, Verified: true}})
		require.NoError(t, err, "%q is the holder's name", name)
	}
}

// Growth in steps each under the bound adds up: without a cosigner the
// holding never rises more than ValuationGrowth above the level a second
// person last vouched for.
func TestValuationRatchet(t *testing.T) {
	cfg := funds.DefaultConfig() // 10%
	c := wmClaim(t, cfg)         // 1,000,000 held
	var err error
	c, err = step(cfg, c, funds.Event{ID: "v1", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 60000})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "v2", Kind: funds.EventValuationChanged, At: at(2), By: "desk", Amount: 40000})
	require.NoError(t, err, "10% in two steps")
	_, err = step(cfg, c, funds.Event{ID: "v3", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	_, err = step(cfg, c, funds.Event{ID: "v3", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Cosigner: "Desk", Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	ratchet := c
	for i := range 5 {
		ratchet, err = step(cfg, ratchet, funds.Event{ID: "r" + string(rune('0'+i)), Kind: funds.EventValuationChanged, At: at(4 + i), By: "desk", Cosigner: "DESK ", Amount: 1000})
		if err != nil {
			break
		}
	}
	requireRefused(t, err, funds.CodeSecondPerson)

	// Within the band around the vouched level a change needs nobody
	// else: back down, and up again.
	c, err = step(cfg, c, funds.Event{ID: "d", Kind: funds.EventValuationChanged, At: at(10), By: "desk", Amount: -100000})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "u", Kind: funds.EventValuationChanged, At: at(11), By: "desk", Amount: 100000})
	require.NoError(t, err)
	assert.Equal(t, int64(1100000), c.Held)
	// A second person vouches for a new level; growth counts from it.
	c, err = step(cfg, c, funds.Event{ID: "x", Kind: funds.EventValuationChanged, At: at(12), By: "desk", Cosigner: "risk-officer", Amount: 1})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "y", Kind: funds.EventValuationChanged, At: at(13), By: "desk", Amount: 110000})
	require.NoError(t, err)
	c = reload(t, c)
	_, err = step(cfg, c, funds.Event{ID: "z", Kind: funds.EventValuationChanged, At: at(14), By: "desk", Amount: 100})
	requireRefused(t, err, funds.CodeSecondPerson)

	// A redemption counts with the changes before it.
	c = wmClaim(t, cfg)
	c, err = step(cfg, c, funds.Event{ID: "v1", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 100000})
	require.NoError(t, err)
	c = approveWM(t, cfg, c)
	_, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: c.Held + 50000})
	requireRefused(t, err, funds.CodeSecondPerson)
	c, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: c.Held})
	require.NoError(t, err)
}

// approveWM takes a wealth-management claim from held to approved.
func approveWM(t *testing.T, cfg funds.Config, c funds.Claim) funds.Claim {
	t.Helper()
	for i, e := range []funds.Event{
		{Kind: funds.EventOpened, Channel: "online application"},
		{Kind: funds.EventIdentityChecked, By: "agent-1", Method: "online", Holder: "Li Wei"},
		{Kind: funds.EventDeductionsClosed, By: "agent-1"},
		{Kind: funds.EventApproved, By: "supervisor-2"},
	} {
		e.ID, e.At = "wm"+string(rune('0'+i)), at(30+i)
		var err error
		c, err = step(cfg, c, e)
		require.NoError(t, err, "step %d", i)
	}
	return c
}

// A time correction cannot erase the holder's activity to bring the
// dormancy forward, nor move a rejection back to close the appeal window
// early: a correction moves a time back only while that time is still to
// come, which is how a mistyped year locks a claim.
func TestCorrectionCannotShortenTheLaw(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:2]) // opened at(24)
	// The holder calls two years later; identity is checked.
	call := t0.AddDate(2, 0, 0)
	c, err := step(cfg, c, funds.Event{ID: "3", Kind: funds.EventIdentityChecked, At: call, By: "agent-4", Method: "phone", Holder: "Li Wei"})
	require.NoError(t, err)
	// Five years after the opening, the desk "corrects" the call back to
	// the opening with a correction dated then, and remits.
	today := at(24).AddDate(5, 0, 2)
	for _, fix := range []funds.Event{
		{ID: "fix", Kind: funds.EventTimeCorrected, At: at(25), By: "agent-9", Reference: "3", Corrected: at(24), Reason: "typo"},
		{ID: "fix", Kind: funds.EventTimeCorrected, At: today, By: "agent-9", Reference: "3", Corrected: at(24), Reason: "typo"},
	} {
		_, err = cfg.Apply(c, c.Next(fix), today)
		requireRefused(t, err, funds.CodeTime)
	}
	_, err = cfg.Apply(c, c.Next(funds.Event{ID: "u", Kind: funds.EventUnclaimed, At: today, Automated: true, Payee: cfg.Authority}), today)
	requireRefused(t, err, funds.CodeTime)
	// Moving a time later, within the past, is a correction like any.
	later, err := cfg.Apply(c, c.Next(funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: today, By: "agent-9", Reference: "3", Corrected: call.Add(time.Hour), Reason: "typo"}), today)
	require.NoError(t, err)
	assert.Equal(t, today, later.LastActivity)

	// A rejection moved back to an earlier event closes the appeal
	// window before the holder could use it.
	c, _ = stamp(t, cfg, walletFlow()[:5]) // deductions reviewed at(27)
	rejected := t0.AddDate(0, 3, 0)
	c, err = step(cfg, c, funds.Event{ID: "r", Kind: funds.EventRejected, At: rejected, By: "supervisor-2", Reason: "documents do not match"})
	require.NoError(t, err)
	fix := funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: rejected.Add(time.Hour), By: "supervisor-3", Reference: "r", Corrected: at(27), Reason: "typo"}
	_, err = cfg.Apply(c, c.Next(fix), rejected.Add(time.Hour))
	requireRefused(t, err, funds.CodeTime)
	appeal := rejected.AddDate(0, 5, 0)
	_, err = cfg.Apply(c, c.Next(funds.Event{ID: "a", Kind: funds.EventRejectionAppealed, At: appeal}), appeal)
	require.NoError(t, err, "the window runs six months from the rejection")

	// The mistyped year: dated after the time it is now, it is corrected.
	c, _ = stamp(t, cfg, walletFlow()[:5])
	typo := rejected.AddDate(1, 0, 0)
	c, err = cfg.Apply(c, c.Next(funds.Event{ID: "r", Kind: funds.EventRejected, At: typo, By: "supervisor-2", Reason: "no"}), typo) // a clock a year ahead
	require.NoError(t, err)
	fix.At, fix.Corrected = rejected.Add(time.Hour), rejected
	c, err = cfg.Apply(c, c.Next(fix), rejected.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, rejected, c.RejectedAt)
	_, err = cfg.Apply(c, c.Next(funds.Event{ID: "a", Kind: funds.EventRejectionAppealed, At: appeal}), appeal)
	require.NoError(t, err)
}

// A forged snapshot whose deductions wrap around int64 adds up to the
// right total; Check bounds every amount and every running sum.
func TestSnapshotSumsCannotWrap(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:6]) // approved, 5,000 deducted
	forged := reload(t, c)
	d := forged.Deductions[0]
	huge := func(amount int64, ref string) funds.Deduction { x := d; x.Amount, x.Reference = amount, ref; return x }
	forged.Deductions = []funds.Deduction{huge(math.MaxInt64, "a"), huge(math.MaxInt64, "b"), huge(5002, "c")}
	requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)

	forged = reload(t, c)
	forged.Deductions = []funds.Deduction{huge(funds.MaxAmount+1, "a")}
	forged.Deducted = funds.MaxAmount + 1
	requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)

	// Pending deductions that wrap to nothing would let a deduction of
	// everything held through, and an approval pay the wrapped ones.
	v, _ := stamp(t, cfg, walletFlow()[:3]) // identity verified
	forged = reload(t, v)
	forged.Pending = []funds.Deduction{huge(math.MaxInt64, "a"), huge(math.MaxInt64, "b"), huge(2, "c")}
	requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)
	_, err := step(cfg, forged, funds.Event{ID: "4", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-5", Amount: forged.Held,
		Basis: funds.BasisCourtOrder, Reference: "order-1", Payee: "court"})
	requireRefused(t, err, funds.CodeSnapshot)

	forged = reload(t, c)
	forged.Payouts = []funds.Payout{{Event: "x", Amount: -1}}
	forged.Paid = -1
	requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)
}

// Apply never makes a claim that Check then refuses: a holding that grows
// after a deduction cannot take frozen + valuation past MaxAmount and
// leave the claim stuck.
func TestApplyStaysWithinTheLimits(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, []funds.Event{
		{ID: "1", Kind: funds.EventFrozen, At: at(0), Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: funds.MaxAmount},
		{ID: "2", Kind: funds.EventOpened, At: at(1), Channel: "online application"},
		{ID: "3", Kind: funds.EventIdentityChecked, At: at(2), By: "agent-1", Method: "online", Holder: "Li Wei"},
		{ID: "4", Kind: funds.EventDeductionProposed, At: at(3), By: "agent-1", Amount: funds.MaxAmount / 2, Basis: funds.BasisCourtOrder, Reference: "order-1", Payee: "court"},
		{ID: "5", Kind: funds.EventDeductionsClosed, At: at(4), By: "agent-1"},
		{ID: "6", Kind: funds.EventApproved, At: at(5), By: "supervisor-2"},
	})
	for _, e := range []funds.Event{
		{ID: "v", Kind: funds.EventValuationChanged, At: at(6), By: "desk", Cosigner: "risk-officer", Amount: funds.MaxAmount / 2},
		{ID: "v", Kind: funds.EventRedeemed, At: at(6), By: "desk", Cosigner: "risk-officer", Amount: funds.MaxAmount},
	} {
		after, err := step(cfg, c, e)
		if err == nil {
			require.NoError(t, cfg.Check(after), "%s leaves a claim Check refuses", e.Kind)
			continue
		}
		requireRefused(t, err, funds.CodeInsufficient)
	}
}

// A time that JSON cannot write (before year 1 or after 9999) is refused:
// the claim could not be stored, and the digest would not cover the event.
func TestTimesJSONCannotWrite(t *testing.T) {
	cfg := funds.DefaultConfig()
	far := time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, when := range []time.Time{
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("", -3600)), // 10000 in UTC, as the log keeps it
	} {
		_, err := cfg.Apply(funds.Claim{}, funds.Event{ID: "1", Seq: 1, Kind: funds.EventFrozen, At: when, Account: "u1", Currency: "CNY", Amount: 5}, far)
		requireRefused(t, err, funds.CodeInvalidEvent)
	}
	// Odd zones are fine: +14:00 and -12:00 are instants like any.
	kiribati := time.Date(2026, 2, 21, 0, 0, 0, 0, time.FixedZone("", 14*3600))
	c, err := cfg.Apply(funds.Claim{}, funds.Event{ID: "1", Seq: 1, Kind: funds.EventFrozen, At: kiribati, Account: "u1", Currency: "CNY", Amount: 5}, now)
	require.NoError(t, err)
	assert.Equal(t, c, reload(t, c))
}

// Two operators apply to copies of one claim at once: each gets its own
// claim, the shared one is untouched, and whichever is stored second is a
// version conflict against the first.
func TestConcurrentApplyOnCopies(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:3])
	want := reload(t, c)
	events := []funds.Event{
		c.Next(funds.Event{ID: "court", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-1", Amount: 7000, Basis: funds.BasisCourtOrder, Reference: "order 5", Payee: "court registry"}),
		c.Next(funds.Event{ID: "cb", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-2", Amount: 3000, Basis: funds.BasisChargeback, Reference: "cb-1", Payee: "payer"}),
		c.Next(funds.Event{ID: "close", Kind: funds.EventDeductionsClosed, At: at(26), By: "agent-3"}),
		c.Next(funds.Event{ID: "hold", Kind: funds.EventLegalHoldPlaced, At: at(26), By: "legal-1", Reference: "court-7"}),
	}
	results := make([]funds.Claim, len(events))
	errs := make([]error, len(events))
	done := make(chan int)
	for i := range events {
		go func() {
			for range 50 {
				results[i], errs[i] = cfg.Apply(c, events[i], now)
			}
			done <- i
		}()
	}
	for range events {
		<-done
	}
	assert.Equal(t, want, reload(t, c), "Apply never touches the claim it is given")
	for i := range events {
		require.NoError(t, errs[i])
		assert.Equal(t, c.Version+1, results[i].Version)
		for j := range events {
			if i != j {
				_, err := cfg.Apply(results[i], events[j], now)
				require.ErrorIs(t, err, funds.ErrConflict, "%s after %s", events[j].ID, events[i].ID)
			}
		}
	}
}

// What a stored claim or event can say in JSON beyond what Go writes:
// unknown fields are dropped, a duplicated key keeps its last value and
// Check then judges the claim, a number beyond int64 or a fraction is a
// decoding error, and -0 is 0.
func TestOddJSON(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:6])
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	body := string(raw)

	var back funds.Claim
	require.NoError(t, json.Unmarshal([]byte(`{"bonus":5,`+body[1:]), &back))
	require.NoError(t, cfg.Check(back), "an unknown field is dropped")
	require.NoError(t, json.Unmarshal([]byte(`{"held":999999999,`+body[1:]), &back))
	require.NoError(t, cfg.Check(back), "the first of two keys loses")
	require.NoError(t, json.Unmarshal([]byte(body[:len(body)-1]+`,"held":999999999}`), &back))
	requireRefused(t, cfg.Check(back), funds.CodeSnapshot)
	for _, n := range []string{"9223372036854775808", "1e15", "12.5"} {
		assert.Error(t, json.Unmarshal([]byte(body[:len(body)-1]+`,"held":`+n+`}`), &back), n)
	}
	var e funds.Event
	require.NoError(t, json.Unmarshal([]byte(`{"id":"v","kind":"valuation-changed","at":"2026-02-21T00:00:00+14:00","amount":-0,"by":"desk"}`), &e))
	assert.Zero(t, e.Amount)
	assert.Equal(t, funds.Digest(funds.Event{ID: "v", Kind: funds.EventValuationChanged, At: time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC), By: "desk"}), funds.Digest(e))
}

// One supervisor cannot clear a colleague's court order and approve the
// claim alone: whoever withdrew a deduction someone else proposed does not
// approve the claim.
func TestWithdrawAnothersDeductionThenApprove(t *testing.T) {
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	c, _ := stamp(t, cfg, flow[:4]) // agent-4 proposed the chargeback
	c, err := step(cfg, c, funds.Event{ID: "w", Kind: funds.EventDeductionWithdrawn, At: at(27), By: "supervisor-2", Reference: "4"})
	require.NoError(t, err, "a supervisor may withdraw a deduction")
	c, err = step(cfg, c, funds.Event{ID: "5", Kind: funds.EventDeductionsClosed, At: at(27), By: "agent-4"})
	require.NoError(t, err)
	c = reload(t, c)
	_, err = step(cfg, c, funds.Event{ID: "6", Kind: funds.EventApproved, At: at(30), By: "Supervisor-2 "})
	requireRefused(t, err, funds.CodeSeparation)
	c, err = step(cfg, c, funds.Event{ID: "6", Kind: funds.EventApproved, At: at(30), By: "supervisor-3"})
	require.NoError(t, err, "a third person approves")
	require.Len(t, c.Withdrawn, 1, "the withdrawal stays on the claim")
	assert.Equal(t, "supervisor-2", c.Withdrawn[0].WithdrawnBy)

	// The proposer withdrawing their own deduction is no such case.
	cfg.SeparateIdentityCheck = false
	c, _ = stamp(t, cfg, flow[:4])
	c, err = step(cfg, c, funds.Event{ID: "w", Kind: funds.EventDeductionWithdrawn, At: at(27), By: "agent-4", Reference: "4"})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "5", Kind: funds.EventDeductionsClosed, At: at(27), By: "agent-4"})
	require.NoError(t, err)
	_, err = step(cfg, c, funds.Event{ID: "6", Kind: funds.EventApproved, At: at(30), By: "agent-4"})
	require.NoError(t, err)
}

// A mistyped year, once corrected, does not keep the log from replaying
// until that year comes: the corrected event's time is not held against
// the replay's now, the correction's is.
func TestCorrectedLogReplays(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, log := stamp(t, cfg, walletFlow()[:5])
	rejected := t0.AddDate(0, 3, 0)
	typo := c.Next(funds.Event{ID: "r", Kind: funds.EventRejected, At: rejected.AddDate(1, 0, 0), By: "supervisor-2", Reason: "no"})
	c, err := cfg.Apply(c, typo, typo.At) // a clock a year ahead
	require.NoError(t, err)
	fix := c.Next(funds.Event{ID: "fix", Kind: funds.EventTimeCorrected, At: rejected.Add(time.Hour), By: "supervisor-3", Reference: "r", Corrected: rejected, Reason: "year mistyped"})
	today := rejected.Add(2 * time.Hour)
	c, err = cfg.Apply(c, fix, today)
	require.NoError(t, err)
	log = append(log, typo, fix)
	require.NoError(t, cfg.Verify(c, log, today), "the corrected log replays today")
	// An uncorrected event after now is still refused.
	_, err = cfg.Replay(log[:len(log)-1], today)
	requireRefused(t, err, funds.CodeFuture)
}

// A snapshot edited consistently (money moved from held to a deduction
// that was never proposed, every total adjusted) passes Check, as the
// package says it may; Verify, replaying the log, catches it.
func TestConsistentForgeryNeedsVerify(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, log := stamp(t, cfg, walletFlow()[:6])
	forged := reload(t, c)
	forged.Deductions = append(forged.Deductions, funds.Deduction{Event: "4", Amount: 100000, Basis: funds.BasisCourtOrder, Reference: "fake", Payee: "accomplice", By: "agent-4"})
	forged.Deducted += 100000
	forged.Held -= 100000
	require.NoError(t, cfg.Check(forged))
	requireRefused(t, cfg.Verify(forged, log, now), funds.CodeSnapshotDiffers)
}

// A reason, an order or a ruling of invisible characters names nothing.
func TestInvisibleTextsAreNone(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:5])
	_, err := step(cfg, c, funds.Event{ID: "r", Kind: funds.EventRejected, At: at(30), By: "supervisor-2", Reason: "\u200b\u2060"})
	requireRefused(t, err, funds.CodeInvalidEvent)
	_, err = step(cfg, c, funds.Event{ID: "h", Kind: funds.EventLegalHoldPlaced, At: at(30), By: "legal-1", Reference: "\u200b"})
	requireRefused(t, err, funds.CodeInvalidEvent)
	_, err = step(cfg, c, funds.Event{ID: "x", Kind: funds.EventReleased, At: at(30), By: "officer-1", Reference: "\ufeff"})
	requireRefused(t, err, funds.CodeInvalidEvent)
}

// Money does not leave the holding without a second person either: an
// automated redemption far below what is held, or markdowns in steps,
// need a cosigner beyond the bound, as gains do.
func TestValuationLossesAreBounded(t *testing.T) {
	cfg := funds.DefaultConfig() // 10%
	c := approveWM(t, cfg, wmClaim(t, cfg))
	_, err := step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	_, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), By: "desk", Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	red, err := step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), By: "desk", Cosigner: "risk-officer", Amount: 1})
	require.NoError(t, err, "a crash in the product's value, vouched for by two")
	assert.Equal(t, int64(1), red.Held)
	red, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: 950000})
	require.NoError(t, err, "a loss within the bound is the market's")
	assert.Equal(t, int64(950000), red.Held)

	c = wmClaim(t, cfg)
	for i := range 2 {
		c, err = step(cfg, c, funds.Event{ID: "d" + string(rune('0'+i)), Kind: funds.EventValuationChanged, At: at(1 + i), By: "desk", Amount: -50000})
		require.NoError(t, err)
	}
	_, err = step(cfg, c, funds.Event{ID: "d2", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Amount: -1})
	requireRefused(t, err, funds.CodeSecondPerson)
	c, err = step(cfg, c, funds.Event{ID: "d2", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Amount: 30000})
	require.NoError(t, err, "back toward the vouched level")
}

// The quick path for names in their normal form agrees with the full one.
func TestNormalFormIsStable(t *testing.T) {
	for _, name := range []string{"agent-4", "Agent-4", " agent-4", "agent-4 ", "agent  4", "agent\t4", "a", "", " ", "ａｇｅｎｔ", "li wei", "LI WEI\u200b"} {
		once := funds.NormalName(name)
		assert.Equal(t, once, funds.NormalName(once), "%q: normal is idempotent", name)
		assert.True(t, funds.SamePerson(name, once))
	}
}

// Zones JSON cannot write are refused too, whatever the year.
func TestZonesJSONCannotWrite(t *testing.T) {
	cfg := funds.DefaultConfig()
	odd := time.Date(2026, 2, 21, 0, 0, 0, 0, time.FixedZone("", 25*3600))
	_, err := cfg.Apply(funds.Claim{}, funds.Event{ID: "1", Seq: 1, Kind: funds.EventFrozen, At: odd, Account: "u1", Currency: "CNY", Amount: 5}, now)
	requireRefused(t, err, funds.CodeInvalidEvent)
}

// A snapshot whose payout in flight goes to someone else's account is
// refused before the confirmation pays it: the destination rule is one a
// snapshot can be checked against.
func TestSnapshotPayoutGoesToTheHolder(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:7]) // payout pending
	require.NoError(t, cfg.Check(c))
	for name, edit := range map[string]func(*funds.Claim){
		"another name":       func(c *funds.Claim) { c.Payout.Destination.Name = "Mallory" },
		"unverified account": func(c *funds.Claim) { c.Payout.Destination.Verified = false },
		"no account":         func(c *funds.Claim) { c.Payout.Destination.Account = "" },
	} {
		t.Run(name, func(t *testing.T) {
			forged := reload(t, c)
			edit(&forged)
			requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)
		})
	}
	paid, _ := stamp(t, cfg, walletFlow())
	forged := reload(t, paid)
	forged.Payouts[0].Destination.Name = "Mallory"
	requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)
}

// A snapshot whose approval breaks the separation of duties is refused:
// the approver is written on the claim beside who proposed, withdrew and
// rejected. (Whether the identity checker may approve is configuration,
// which may change after the approval, so Check leaves that to Apply.)
func TestSnapshotApprovalIsSeparated(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:6]) // approved by supervisor-2; agent-4 checked identity and proposed
	require.NoError(t, cfg.Check(c))
	for name, edit := range map[string]func(*funds.Claim){
		"approved by the proposer": func(c *funds.Claim) { c.Deductions[0].By = "supervisor-2" },
		"approved by a rejecter":   func(c *funds.Claim) { c.Rejecters, c.RejectedAt = []string{"supervisor-2"}, c.LastActivity },
		"approved by a withdrawer": func(c *funds.Claim) {
			c.Withdrawn = []funds.Deduction{{Event: "9", Amount: 1, Basis: funds.BasisChargeback, Reference: "r", Payee: "p", By: "agent-4", WithdrawnBy: "supervisor-2"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			forged := reload(t, c)
			edit(&forged)
			requireRefused(t, cfg.Check(forged), funds.CodeSnapshot)
		})
	}
}
