package funds_test

import (
	"fmt"
	"testing"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// longLog is a wealth-management claim's log of n events: the freeze and
// n-1 small valuation changes.
func longLog(b *testing.B, cfg funds.Config, n int) []funds.Event {
	var c funds.Claim
	log := make([]funds.Event, 0, n)
	for i := range n {
		e := funds.Event{ID: fmt.Sprintf("e%d", i), Kind: funds.EventValuationChanged, At: at(i), By: "desk", Amount: 1}
		if i == 0 {
			e = funds.Event{ID: "freeze", Kind: funds.EventFrozen, At: at(0), Automated: true, Account: "u1", Holder: "Li Wei",
				Verified: true, Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 1000000}
		}
		e = c.Next(e)
		var err error
		if c, err = cfg.Apply(c, e, now); err != nil {
			b.Fatal(err)
		}
		log = append(log, e)
	}
	return log
}

// BenchmarkReplay replays logs of two lengths a factor of four apart:
// replay is linear in the log, so the time per event stays flat.
func BenchmarkReplay(b *testing.B) {
	cfg := funds.DefaultConfig()
	for _, n := range []int{500, 2000} {
		log := longLog(b, cfg, n)
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfg.Replay(log, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApply applies one event to a claim of two lengths: Apply checks
// the whole snapshot and copies it, so it is linear in the claim.
func BenchmarkApply(b *testing.B) {
	cfg := funds.DefaultConfig()
	for _, n := range []int{50, 200} {
		c, err := cfg.Replay(longLog(b, cfg, n), now)
		if err != nil {
			b.Fatal(err)
		}
		e := c.Next(funds.Event{ID: "next", Kind: funds.EventValuationChanged, At: at(n), By: "desk", Amount: 1})
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfg.Apply(c, e, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
