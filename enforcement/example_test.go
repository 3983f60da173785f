package enforcement_test

import (
	"context"
	"fmt"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/policy"
)

func exampleCase() enforcement.GroupCase {
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	return enforcement.GroupCase{
		Group: policy.Group{ID: "g1", Owner: "alice", Members: 3},
		Members: []policy.Membership{
			{Account: policy.Account{ID: "alice"}, Role: policy.RoleOwner},
			{Account: policy.Account{ID: "carol", Holdings: []policy.Holding{{Kind: policy.AssetWallet, Amount: 4200, Currency: "CNY"}}}, Role: policy.RoleMember},
			{Account: policy.Account{ID: "dave"}, Role: policy.RoleMember},
		},
		Violations: []policy.Violation{{
			ID: "v1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "r7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}},
		}},
		Now: now,
	}
}

// A verified CSAM case: the plan closes the group, bans its owner and the
// poster, spares the bystander, freezes the poster's funds, reports, keeps
// the evidence and tells everyone.
func ExamplePlanner_Plan() {
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), exampleCase())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range plan.Actions {
		fmt.Println(a.Seq, a.Kind, a.Subject)
	}
	for _, s := range plan.Spared {
		fmt.Println("spared:", s.Account)
	}
	// Output:
	// 1 preserve-evidence v1
	// 2 report-to-authority v1
	// 3 freeze-funds carol
	// 4 ban-account alice
	// 5 ban-account carol
	// 6 close-group g1
	// 7 notify alice
	// 8 notify carol
	// 9 notify dave
	// spared: dave
}

// Apply carries a plan out through the caller's Executor; run again after
// a failure, it does only what is left.
func ExampleApply() {
	plan, _ := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), exampleCase())
	failed := false
	ex := &enforcementtest.Executor{FailBefore: func(a enforcement.Action) error {
		if a.Kind == enforcement.CloseGroup && !failed {
			failed = true
			return fmt.Errorf("group service unavailable")
		}
		return nil
	}}
	pr, err := enforcement.Apply(context.Background(), plan, ex)
	fmt.Println(pr.Applied, err != nil)
	pr, err = enforcement.Apply(context.Background(), plan, ex)
	fmt.Println(pr.Applied, pr.Skipped, err)
	// Output:
	// 5 true
	// 4 5 <nil>
}
