package appeal_test

import (
	"context"
	"fmt"
	"time"

	"github.com/groupwarden/warden/appeal"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// A banned member contests the ban; an appeals officer, not the reviewer
// who confirmed the violation, overturns it. The ruling reinstates the
// account and releases its frozen wallet through the wallet's claim.
func ExampleContest_Resolve() {
	t0 := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	li := policy.Account{ID: "u-li", Holder: "Li Wei", RealNameVerified: true,
		Holdings: []policy.Holding{{Kind: policy.AssetWallet, Amount: 125000, Currency: "CNY"}}}
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), enforcement.GroupCase{
		Group:   policy.Group{ID: "g-1", Owner: "u-owner", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "u-owner"}, Role: policy.RoleOwner}, {Account: li, Role: policy.RoleMember}},
		Violations: []policy.Violation{{ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "u-li",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: t0.Add(-time.Hour)}}}},
		Now: t0,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	contest, _ := appeal.DefaultConfig().File(plan, "u-li", t0.Add(24*time.Hour), "the hash matched a file someone else sent me")
	_, err = contest.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "Reviewer-7 ", At: t0.Add(48 * time.Hour), Reason: "misattributed"})
	fmt.Println(policy.CodeOf(err))
	r, _ := contest.Resolve(appeal.Ruling{Disposition: appeal.DispositionOverturned, By: "appeals-officer-1", At: t0.Add(48 * time.Hour), Reason: "misattributed"})
	fmt.Println(r.Penalty, r.Actions[0].Kind, len(r.Releases), r.Releases[0].Event.Kind)
	// Output:
	// reviewer-rules
	// none reinstate-account 1 released
}
