package funds_test

import (
	"fmt"
	"time"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// A claim is the fold of its events; a refused event leaves it unchanged,
// and an event written against a version the claim has left is a conflict.
func ExampleConfig_Apply() {
	cfg := funds.DefaultConfig()
	t0 := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	now := t0.Add(24 * time.Hour)
	var claim funds.Claim
	claim, _ = cfg.Apply(claim, claim.Next(funds.Event{ID: "1", Kind: funds.EventFrozen, At: t0, Automated: true,
		Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWallet, Currency: "CNY", Amount: 125000}), now)
	_, err := cfg.Apply(claim, claim.Next(funds.Event{ID: "2", Kind: funds.EventOpened, At: t0.Add(time.Hour), Channel: "email"}), now)
	fmt.Println(policy.CodeOf(err))
	stale := claim.Next(funds.Event{ID: "3", Kind: funds.EventOpened, At: t0.Add(time.Hour), Channel: "customer-service hotline"})
	claim, _ = cfg.Apply(claim, claim.Next(funds.Event{ID: "2", Kind: funds.EventOpened, At: t0.Add(time.Hour), Channel: "customer-service hotline"}), now)
	fmt.Println(claim.Status, claim.Held, claim.Version)
	_, err = cfg.Apply(claim, stale, now)
	fmt.Println(err)
	// Output:
	// wrong-channel
	// opened 125000 2
	// funds: opened event "3" refused in state opened: seq: version-conflict: written for version 1, but the claim is at version 2
}
