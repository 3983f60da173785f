package dsa_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// adminsPlan is the plan of a group of n administrators, all holding funds,
// where a member posted verified child sexual abuse material: every
// administrator is banned and gets a statement.
func adminsPlan(tb testing.TB, n int) *enforcement.Plan {
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	gc := enforcement.GroupCase{Group: policy.Group{ID: "g", Owner: "a0", Members: n + 1}, Now: now}
	for i := range n {
		id := fmt.Sprintf("a%d", i)
		role := policy.RoleAdmin
		if i == 0 {
			role = policy.RoleOwner
		} else {
			gc.Group.Admins = append(gc.Group.Admins, id)
		}
		gc.Members = append(gc.Members, policy.Membership{Role: role, Account: policy.Account{ID: id,
			Holdings: []policy.Holding{{Kind: policy.AssetWallet, Amount: 100, Currency: "EUR"}}}})
	}
	gc.Members = append(gc.Members, policy.Membership{Role: policy.RoleMember, Account: policy.Account{ID: "poster"}})
	gc.Violations = []policy.Violation{{ID: "v", Category: "csam", Severity: policy.SeverityCritical, Actor: "poster",
		Detected: now.Add(-time.Hour),
		Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
		Reviews:  []policy.Review{{Reviewer: "r", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Minute)}}}}
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), gc)
	if err != nil {
		tb.Fatal(err)
	}
	if len(plan.Decisions) != n+1 {
		tb.Fatalf("%d decisions, want %d", len(plan.Decisions), n+1)
	}
	return plan
}

// BenchmarkFromPlanBanned builds the statements of a plan that bans n
// accounts; sizes a factor 3 apart, the larger the most a group may have
// (an owner and MaxAdmins-1 administrators), show whether the time grows
// linearly.
func BenchmarkFromPlanBanned(b *testing.B) {
	e := policy.Default()
	for _, n := range []int{policy.MaxAdmins / 3, policy.MaxAdmins} {
		plan := adminsPlan(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dsa.FromPlan(plan, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
