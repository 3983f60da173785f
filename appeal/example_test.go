package appeal_test

import (
	"fmt"
	"time"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/policy"
)

// A claim is the fold of its events; a refused event leaves it unchanged.
func ExampleConfig_Apply() {
	cfg := appeal.DefaultConfig()
	t0 := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	claim, _ := cfg.Apply(appeal.Claim{}, appeal.Event{ID: "1", Kind: appeal.Frozen, At: t0,
		Account: "u1", Holder: "Li Wei", Verified: true, Asset: policy.AssetWallet, Currency: "CNY", Amount: 125000})
	_, err := cfg.Apply(claim, appeal.Event{ID: "2", Kind: appeal.ClaimOpened, At: t0.Add(time.Hour), Channel: "email"})
	fmt.Println(err)
	claim, _ = cfg.Apply(claim, appeal.Event{ID: "2", Kind: appeal.ClaimOpened, At: t0.Add(time.Hour), Channel: "customer-service hotline"})
	fmt.Println(claim.Status, claim.Held)
	// Output:
	// appeal: claim-opened event "2" refused in state held: wrong-channel: wallet funds are recovered through the customer-service hotline, not "email"
	// opened 125000
}
