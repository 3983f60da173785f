package dsa_test

import (
	"context"
	"fmt"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// One statement per restricted account, in the Transparency Database format.
func ExampleFromPlan() {
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	plan, _ := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), enforcement.GroupCase{
		Group:   policy.Group{ID: "g1", Owner: "alice", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "alice"}, Role: policy.RoleOwner}, {Account: policy.Account{ID: "carol"}, Role: policy.RoleMember}},
		Violations: []policy.Violation{{ID: "v1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "r7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}}}},
		Now: now,
	})
	statements, err := (&dsa.Builder{PUIDKey: []byte("platform secret")}).FromPlan(plan, policy.Default())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range statements {
		fmt.Println(s.DecisionAccount, s.DecisionProvision, s.Category, s.AutomatedDecision)
	}
	fmt.Println(dsa.Batch{Statements: statements}.Validate())
	// Output:
	// DECISION_ACCOUNT_TERMINATED DECISION_PROVISION_TOTAL_TERMINATION STATEMENT_CATEGORY_PROTECTION_OF_MINORS AUTOMATED_DECISION_PARTIALLY
	// DECISION_ACCOUNT_TERMINATED  STATEMENT_CATEGORY_PROTECTION_OF_MINORS AUTOMATED_DECISION_PARTIALLY
	// <nil>
}
