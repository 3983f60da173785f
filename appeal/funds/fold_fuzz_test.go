package funds_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// FuzzApply folds events one at a time into a claim, as a desk does,
// seeded with the wallet flow and with sequences of the property test's
// generator. The events come unstamped or stamped (bit i of stamp keeps
// event i's own Seq and Prev, else Claim.Next stamps it, which is how
// stale and forged versions get in); the claim is stored as JSON and
// loaded again before every event. A refused event is a typed refusal
// with a code and leaves the claim unchanged; an accepted one moves the
// version by one, keeps the claim consistent and money conserved, and
// applying it again changes nothing (a retry has effect once); an event
// that moves nothing is a retry. In the end the log of accepted events
// replays to the same claim and verifies against it.
func FuzzApply(f *testing.F) {
	wallet, err := json.Marshal(walletFlow())
	require.NoError(f, err)
	f.Add(wallet, []byte{})
	f.Add(wallet, []byte{0xff})
	for seed := range 24 {
		f.Add(generated(uint64(seed)), []byte{byte(seed)})
	}
	cfg := funds.DefaultConfig()
	f.Fuzz(func(t *testing.T, raw, stamp []byte) {
		var events []funds.Event
		if json.Unmarshal(raw, &events) != nil || len(events) > 64 {
			return
		}
		var claim funds.Claim
		var log []funds.Event
		for i, e := range events {
			stored, err := json.Marshal(claim)
			require.NoError(t, err)
			var loaded funds.Claim
			require.NoError(t, json.Unmarshal(stored, &loaded))
			if !reflect.DeepEqual(claim, loaded) {
				require.Equal(t, claim, loaded, "event %d: a claim survives JSON", i)
			}
			claim = loaded
			if i/8 >= len(stamp) || stamp[i/8]&(1<<(i%8)) == 0 {
				e = claim.Next(e)
			}
			before := claim
			after, err := cfg.Apply(claim, e, now)
			if err != nil {
				var re *funds.RefusedError
				require.True(t, errors.As(err, &re), "event %d: %T %v is not a refusal", i, err, err)
				require.ErrorIs(t, err, funds.ErrRefused)
				require.NotEmpty(t, re.Code, "event %d: a refusal has a code", i)
				require.Equal(t, re.Code, policy.CodeOf(err))
				if !reflect.DeepEqual(before, after) {
					require.Equal(t, before, after, "event %d: a refused event leaves the claim unchanged", i)
				}
				continue
			}
			if after.Version == before.Version {
				require.Equal(t, before, after, "event %d: an event that moves nothing changes nothing", i)
				continue
			}
			require.Equal(t, before.Version+1, after.Version, "event %d", i)
			require.NotEqual(t, before.Head, after.Head, "event %d", i)
			require.NoError(t, cfg.Check(after), "event %d: the claim is consistent", i)
			require.True(t, after.Conserved(), "event %d: money is conserved: %+v", i, after)
			again, err := cfg.Apply(after, e, now)
			require.NoError(t, err, "event %d: a retry is no error", i)
			require.Equal(t, after, again, "event %d: a retry has effect once", i)
			claim = after
			log = append(log, e)
		}
		if len(log) == 0 {
			return
		}
		replayed, err := cfg.Replay(log, now)
		require.NoError(t, err, "the log of accepted events replays")
		require.Equal(t, claim, replayed, "replaying the log gives the same claim")
		require.NoError(t, cfg.Verify(claim, log, now))
	})
}

// generated returns, as JSON, the events the property test's generator
// makes for one sequence, as it offers them (accepted or not), after a
// freeze of the generator's own.
func generated(seed uint64) []byte {
	cfg := funds.DefaultConfig()
	g := &generator{rng: rand.New(rand.NewPCG(seed, 11)), cfg: cfg, at: t0, holder: "Li Wei"}
	g.now = g.at
	frozen := funds.Event{ID: "freeze", Seq: 1, Kind: funds.EventFrozen, At: g.at, Automated: true, Account: "acct-1",
		Holder: g.holder, Verified: seed%7 != 0, Asset: policy.AssetKind(seed % 2), Currency: "CNY", Amount: int64(1000 + seed*997)}
	claim, err := cfg.Apply(funds.Claim{}, frozen, now)
	if err != nil {
		panic(err)
	}
	g.sent = append(g.sent, frozen)
	events := []funds.Event{frozen}
	for range 12 {
		e := g.event(claim)
		events = append(events, e)
		if after, err := cfg.Apply(claim, e, now); err == nil {
			claim = after
			g.sent = append(g.sent, e)
		}
	}
	b, err := json.Marshal(events)
	if err != nil {
		panic(err)
	}
	return b
}
