package funds_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// A flaky bank's loop of failed payouts takes a wallet claim to its limit
// of events; the last EndingEvents are kept for ending it, so it can still
// be released or paid, and nothing else gets in.
func TestAClaimAtItsLimitCanStillEnd(t *testing.T) {
	const limit = 39 // the reserve starts at 36
	defer funds.SetMaxEvents(limit)()
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	approved, _ := stamp(t, cfg, flow[:6])
	payout := func(c funds.Claim, id string) (funds.Claim, error) {
		return step(cfg, c, funds.Event{ID: id, Kind: funds.EventPayoutRequested, At: at(31), Destination: flow[6].Destination})
	}
	// failing pays out and fails, again and again, up to version upTo.
	failing := func(t *testing.T, c funds.Claim, upTo int) funds.Claim {
		var err error
		for i := 0; c.Version+2 <= upTo; i++ {
			id := fmt.Sprintf("r%d", i)
			c, err = payout(c, id)
			require.NoError(t, err)
			c, err = step(cfg, c, funds.Event{ID: "f" + id, Kind: funds.EventPayoutFailed, At: at(31), Reference: id})
			require.NoError(t, err)
		}
		require.Equal(t, upTo, c.Version)
		return c
	}
	release := funds.Event{ID: "release", Kind: funds.EventReleased, At: at(50), By: "appeals-1", Reference: "ruling-1"}
	hold := funds.Event{ID: "hold", Kind: funds.EventLegalHoldPlaced, At: at(40), By: "legal-1", Reference: "court-7"}

	t.Run("approved at the reserve: released", func(t *testing.T) {
		c := failing(t, approved, limit-funds.EndingEvents)
		require.Equal(t, funds.StatusApproved, c.Status)
		for _, e := range []funds.Event{
			{ID: "again", Kind: funds.EventPayoutRequested, At: at(40), Destination: flow[6].Destination},
			hold,
			{ID: "fix", Kind: funds.EventTimeCorrected, At: at(40), By: "agent-4", Reason: "typo", Corrected: at(31)},
		} {
			_, err := step(cfg, c, e)
			requireRefused(t, err, funds.CodeLimit)
		}
		c, err := step(cfg, c, release)
		require.NoError(t, err)
		assert.Equal(t, funds.StatusReleased, c.Status)
		assert.Equal(t, int64(120000), c.Released)
	})
	t.Run("in flight under a hold at the reserve: failed, lifted, released at the limit", func(t *testing.T) {
		c, err := payout(failing(t, approved, limit-funds.EndingEvents-2), "last")
		require.NoError(t, err)
		c, err = step(cfg, c, hold)
		require.NoError(t, err)
		require.Equal(t, limit-funds.EndingEvents, c.Version)
		for _, e := range []funds.Event{
			{ID: "fail", Kind: funds.EventPayoutFailed, At: at(41), Reference: "last"},
			{ID: "lift", Kind: funds.EventLegalHoldLifted, At: at(42), By: "legal-1", Reference: "court-7"},
			release,
		} {
			c, err = step(cfg, c, e)
			require.NoError(t, err, e.Kind.String())
		}
		assert.Equal(t, funds.StatusReleased, c.Status)
		assert.Equal(t, limit, c.Version)
		require.NoError(t, cfg.Check(c))
		_, err = step(cfg, c, funds.Event{ID: "late", Kind: funds.EventReleased, At: at(43), By: "appeals-1", Reference: "ruling-2"})
		requireRefused(t, err, funds.CodeLimit)
	})
	t.Run("in flight in the reserve: confirmed", func(t *testing.T) {
		c, err := payout(failing(t, approved, limit-funds.EndingEvents-2), "last")
		require.NoError(t, err)
		c, err = step(cfg, c, funds.Event{ID: "paid", Kind: funds.EventPayoutConfirmed, At: at(41), Reference: "last"})
		require.NoError(t, err)
		assert.Equal(t, int64(120000), c.Paid)
	})
}

// Whatever state generated events leave a claim in when it reaches the
// reserve of its last EndingEvents events, those events are enough to end
// it: fail the payout in flight, lift the hold, release.
func TestEveryClaimAtItsReserveCanEnd(t *testing.T) {
	cfg := funds.DefaultConfig()
	ended := map[int]int{} // claims by the number of events that ended them
	for seq := range 400 {
		func() { // the lowered limit is restored whatever happens
			rng := rand.New(rand.NewPCG(uint64(seq), 23))
			limit := funds.EndingEvents + 2 + rng.IntN(30)
			defer funds.SetMaxEvents(limit)()
			g := &generator{rng: rng, cfg: cfg, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), holder: "Li Wei"}
			g.now = g.at
			frozen := funds.Event{ID: "freeze", Seq: 1, Kind: funds.EventFrozen, At: g.at, Automated: true, Account: "acct-1", Holder: g.holder,
				Verified: true, Asset: policy.AssetKind(rng.IntN(2)), Currency: "CNY", Amount: int64(1 + rng.IntN(100000))}
			c, err := cfg.Apply(funds.Claim{}, frozen, g.now)
			require.NoError(t, err)
			for try := 0; try < 400 && c.Version < limit-funds.EndingEvents && !c.Status.Final(); try++ {
				next, err := cfg.Apply(c, g.event(c), g.now)
				if err == nil {
					c = next
				}
			}
			if c.Status.Final() || c.Version < limit-funds.EndingEvents {
				return
			}
			now := g.now
			if c.LastActivity.After(now) {
				now = c.LastActivity
			}
			var ending []funds.Event
			if c.Payout != nil {
				ending = append(ending, funds.Event{ID: "end-fail", Kind: funds.EventPayoutFailed, At: now, Reference: c.Payout.Event})
			}
			if c.LegalHold != "" {
				ending = append(ending, funds.Event{ID: "end-lift", Kind: funds.EventLegalHoldLifted, At: now, By: "legal-1", Reference: c.LegalHold})
			}
			ending = append(ending, funds.Event{ID: "end-release", Kind: funds.EventReleased, At: now, By: "appeals-1", Reference: "ruling-1"})
			for _, e := range ending {
				c, err = cfg.Apply(c, c.Next(e), now)
				require.NoError(t, err, "seq %d: %s at version %d of %d", seq, e.Kind, c.Version, limit)
			}
			require.Equal(t, funds.StatusReleased, c.Status, "seq %d", seq)
			require.LessOrEqual(t, c.Version, limit)
			require.True(t, c.Conserved())
			ended[len(ending)]++
		}()
	}
	require.NotZero(t, ended[1], "some claims reached the reserve free to be released")
	require.NotZero(t, ended[2], "some reached it with a payout in flight or a hold")
	require.NotZero(t, ended[3], "some reached it with both")
}
