package appeal_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/policy"
)

// sequences is how many generated event sequences the properties are
// checked over.
const sequences = 12000

// generator makes event sequences that mostly follow the recovery flow and
// often stray from it: wrong channels, wrong people, machines acting,
// foreign destinations, holds, duplicates, reused ids, time going back.
type generator struct {
	rng     *rand.Rand
	cfg     appeal.Config
	now     time.Time
	n       int
	holder  string
	inquiry string // the last payout requested
	events  []appeal.Event
}

func (g *generator) pick(p float64) bool { return g.rng.Float64() < p }

func (g *generator) person() (string, bool) {
	switch x := g.rng.Float64(); {
	case x < 0.05:
		return "", false
	case x < 0.1:
		return "batch-job", true
	}
	return fmt.Sprintf("agent-%d", g.rng.IntN(5)), false
}

// expected is the event that moves a claim in this state along the flow.
var expected = map[appeal.Status][]appeal.EventKind{
	appeal.Held:               {appeal.ClaimOpened},
	appeal.Opened:             {appeal.IdentityChecked},
	appeal.IdentityVerified:   {appeal.DeductionProposed, appeal.DeductionsClosed},
	appeal.DeductionsReviewed: {appeal.ClaimApproved, appeal.ClaimApproved, appeal.ClaimRejected},
	appeal.Approved:           {appeal.ProductRedeemed, appeal.PayoutRequested},
	appeal.Redeemed:           {appeal.PayoutRequested},
	appeal.PayoutPending:      {appeal.PayoutConfirmed, appeal.PayoutConfirmed, appeal.PayoutFailed},
	appeal.Rejected:           {appeal.RejectionAppealed},
	appeal.InReview:           {appeal.ClaimApproved, appeal.ClaimRejected},
}

func (g *generator) next(c appeal.Claim) appeal.Event {
	g.n++
	if g.pick(0.04) {
		g.now = g.now.Add(-time.Hour) // out of order
	} else {
		g.now = g.now.Add(time.Duration(g.rng.IntN(72)+1) * time.Hour)
	}
	if g.pick(0.005) {
		g.now = g.now.Add(6 * 365 * 24 * time.Hour) // dormancy passes
	}
	if len(g.events) > 0 && g.pick(0.08) {
		prev := g.events[g.rng.IntN(len(g.events))]
		if g.pick(0.5) {
			return prev // the same event again
		}
		prev.Amount++ // an id reused for another event
		return prev
	}
	e := appeal.Event{ID: fmt.Sprintf("e%d", g.n), At: g.now, Kind: appeal.EventKind(2 + g.rng.IntN(16))}
	if next := expected[c.Status]; len(next) > 0 && g.pick(0.75) {
		e.Kind = next[g.rng.IntN(len(next))]
	}
	if c.LegalHold != "" && g.pick(0.5) {
		e.Kind = appeal.LegalHoldLifted
	}
	e.By, e.Automated = g.person()
	wallet, _ := g.cfg.ChannelFor(policy.AssetWallet)
	wm, _ := g.cfg.ChannelFor(policy.AssetWealthManagement)
	switch e.Kind {
	case appeal.ClaimOpened:
		e.Channel = []string{wallet.Name, wm.Name, "email"}[g.rng.IntN(3)]
	case appeal.IdentityChecked:
		e.Method = []string{"phone", "online", "selfie"}[g.rng.IntN(3)]
		e.Holder = g.holder
		if g.pick(0.2) {
			e.Holder = "Someone Else"
		}
	case appeal.DeductionProposed:
		e.Amount = int64(g.rng.IntN(60000)) - 1000
		e.Basis = appeal.Basis(g.rng.IntN(3))
		e.Reference, e.Payee = "ref-"+e.ID, "payer-1"
		if g.pick(0.1) {
			e.Payee = ""
		}
	case appeal.ClaimRejected:
		e.Reason = "documents do not match"
	case appeal.DeductionWithdrawn:
		if len(c.Pending) > 0 {
			e.Reference = c.Pending[g.rng.IntN(len(c.Pending))].Event
		}
	case appeal.ValuationChanged:
		e.Amount = int64(g.rng.IntN(20000)) - 10000
	case appeal.ProductRedeemed:
		e.Amount = int64(g.rng.IntN(200000))
	case appeal.PayoutRequested:
		e.Destination = appeal.Destination{Account: "bank-1", Name: g.holder, Verified: true}
		switch x := g.rng.Float64(); {
		case x < 0.15:
			e.Destination.Name = "A Stranger"
		case x < 0.3:
			e.Destination.Verified = false
		}
		g.inquiry = e.ID
	case appeal.PayoutConfirmed, appeal.PayoutFailed:
		e.Reference = g.inquiry
		if g.pick(0.1) {
			e.Reference = "nope"
		}
	case appeal.LegalHoldPlaced, appeal.LegalHoldLifted:
		e.Reference = "court-7"
	case appeal.Unclaimed:
		e.Payee = "unclaimed-property office"
	}
	return e
}

// TestClaimProperties checks the invariants of funds recovery after every
// event of every generated sequence.
func TestClaimProperties(t *testing.T) {
	cfg := appeal.DefaultConfig()
	stats := map[appeal.Status]int{}
	refused, accepted := 0, 0
	for seq := range sequences {
		g := &generator{rng: rand.New(rand.NewPCG(uint64(seq), 7)), cfg: cfg, now: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), holder: "Li Wei"}
		asset := policy.AssetKind(g.rng.IntN(2))
		frozen := appeal.Event{ID: "freeze", Kind: appeal.Frozen, At: g.now, Account: "acct-1", Holder: g.holder,
			Verified: !g.pick(0.1), Asset: asset, Currency: "CNY", Amount: int64(g.rng.IntN(100000))}
		claim, err := cfg.Apply(appeal.Claim{}, frozen)
		require.NoError(t, err)
		g.events = append(g.events, frozen)
		var kept []appeal.Event // the events accepted, to replay
		kept = append(kept, frozen)
		paidTo := 0
		for range 10 + g.rng.IntN(40) {
			e := g.next(claim)
			before := claim
			after, err := cfg.Apply(claim, e)
			if err != nil {
				refused++
				var re *appeal.RefusedError
				require.ErrorAs(t, err, &re)
				require.True(t, errors.Is(err, appeal.ErrRefused))
				require.Equal(t, before, after, "seq %d: a refused event leaves the state unchanged", seq)
				continue
			}
			accepted++
			g.events = append(g.events, e)
			if after.Events > before.Events {
				kept = append(kept, e)
			} else {
				require.Equal(t, before, after, "seq %d: an event applied twice has effect once", seq)
			}
			claim = after

			require.True(t, claim.Conserved(), "seq %d after %s: held %d + paid %d + deducted %d + remitted %d != frozen %d + valuation %d",
				seq, e.Kind, claim.Held, claim.Paid, claim.Deducted, claim.Remitted, claim.Frozen, claim.Valuation)
			switch e.Kind {
			case appeal.PayoutRequested:
				if after.Events > before.Events {
					require.Empty(t, before.LegalHold, "no payout while a legal hold stands")
					require.Nil(t, before.Payout, "at most one payout in flight")
					require.True(t, before.IdentityChecked && before.HolderVerified, "nobody but the verified holder is paid")
					require.Equal(t, claim.Holder, e.Destination.Name, "only into the holder's own name")
					require.True(t, e.Destination.Verified)
				}
			case appeal.PayoutConfirmed:
				if after.Events > before.Events {
					require.Empty(t, before.LegalHold, "no payout while a legal hold stands")
					paidTo++
				}
			case appeal.ClaimApproved, appeal.DeductionProposed:
				require.NotEmpty(t, e.By, "a person takes this step")
				require.False(t, e.Automated)
			}
			for _, d := range claim.Deductions {
				require.NotEmpty(t, d.By, "every deduction names a person")
				require.Contains(t, []appeal.Basis{appeal.Chargeback, appeal.CourtOrder}, d.Basis, "every deduction has a typed basis")
			}
		}
		require.LessOrEqual(t, paidTo, 1, "seq %d: the funds are paid once", seq)
		var sum int64
		for _, p := range claim.Payouts {
			sum += p.Amount
			require.Equal(t, claim.Holder, p.Destination.Name)
		}
		require.Equal(t, claim.Paid, sum)

		replayed, err := cfg.Replay(kept)
		require.NoError(t, err, "seq %d", seq)
		require.Equal(t, claim, replayed, "seq %d: replaying the events gives the same state", seq)
		stats[claim.Status]++
	}
	// The generator reaches every end of the flow, so the properties were
	// checked on paths that matter.
	for _, s := range []appeal.Status{appeal.Held, appeal.Opened, appeal.IdentityVerified, appeal.DeductionsReviewed, appeal.Approved,
		appeal.Redeemed, appeal.PayoutPending, appeal.Paid, appeal.Rejected, appeal.InReview, appeal.Remitted} {
		require.Positive(t, stats[s], "no sequence ended in %s: %v", s, stats)
	}
	t.Logf("%d sequences, %d events accepted, %d refused, final states %v", sequences, accepted, refused, stats)
}
