package enforcement

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/groupwarden/warden/policy"
)

// bannedCase returns a group case of n admins, each holding funds and
// posting verified child sexual abuse material of their own, with the
// decisions the engine gives such a member. The decisions are copies of
// one real decision, so that the benchmark measures building the plan and
// not deciding.
func bannedCase(tb testing.TB, n int) (GroupCase, policy.Decision, []policy.Decision) {
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	gc := GroupCase{Group: policy.Group{ID: "g", Owner: "a0", Members: n}, Now: now}
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
		gc.Violations = append(gc.Violations, policy.Violation{ID: "v" + id, Category: "csam", Severity: policy.SeverityCritical, Actor: id,
			Detected: now.Add(-time.Hour),
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "r", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Minute)}}})
	}
	e := policy.Default()
	small := gc
	small.Members, small.Violations = gc.Members[:2], gc.Violations[:2]
	small.Group.Admins, small.Group.Members = gc.Group.Admins[:1], 2
	all, err := e.DecideGroup(context.Background(), small, nil)
	if err != nil {
		tb.Fatal(err)
	}
	gd, ds := all[0], all[1:]
	d := ds[1]
	if d.Penalty != policy.PenaltyBan {
		tb.Fatalf("the admin's decision is %s, not a ban", d.Penalty)
	}
	decisions := make([]policy.Decision, n)
	for i := range decisions {
		decisions[i] = d
		decisions[i].Subject, decisions[i].Violation = gc.Members[i].Account.ID, gc.Violations[i].ID
		decisions[i].Role = gc.Members[i].Role
	}
	return gc, gd, decisions
}

// BenchmarkBuildBanned builds the plan of a group whose n accounts are all
// banned; sizes a factor 3 apart show whether the time grows linearly.
func BenchmarkBuildBanned(b *testing.B) {
	planner := NewPlanner(policy.Default())
	for _, n := range []int{10000, 30000} {
		gc, gd, decisions := bannedCase(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var plan Plan
			var w work
			for b.Loop() {
				planner.build(gc, gd, decisions, &plan, &w)
			}
		})
	}
}
