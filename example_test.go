package warden_test

import (
	"context"
	"fmt"
	"time"

	"github.com/groupwarden/warden/policy"
)

// Deciding a case on the embedded default policy.
func Example() {
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	d, err := policy.Default().Decide(context.Background(), policy.Case{
		Target:  policy.TargetAccount,
		Group:   policy.Group{ID: "g1", Owner: "u1", Members: 40},
		Account: &policy.Account{ID: "u1"},
		Violations: []policy.Violation{{
			ID: "v1", Category: "pii_trafficking", Severity: policy.SeverityMedium, Actor: "u9",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodKeyword, Confidence: 0.8}}},
			Reviews:  []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: now}},
		}},
		Now: now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Penalty, d.Duration, d.Rule)
	// Output: suspend 90d focus-leader-suspend
}
