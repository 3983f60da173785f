package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// The scaling benchmarks: each runs its path at two sizes a factor 3
// apart, so that the ratio of their times shows how it grows (at most 3.5
// for a path linear or n log n in its input).
//
//	go test ./policy -run '^$' -bench Scale -benchmem

// BenchmarkScaleDecideViolations decides one account for a case of n
// violations: validation once over them (duplicate ids included), then the
// candidate rules of each.
func BenchmarkScaleDecideViolations(b *testing.B) {
	engine := policy.Default()
	for _, n := range []int{10_000, 30_000} {
		c := policy.Case{Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "member"}, Now: benchNow}
		for i := range n {
			v := benchViolation("spam", policy.SeverityLow, "member")
			v.ID = fmt.Sprintf("v%d", i)
			c.Violations = append(c.Violations, v)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Decide(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScaleDecideGroupAdmins decides a group case of n members, n/2
// of them admins: each member's role is found in constant time.
func BenchmarkScaleDecideGroupAdmins(b *testing.B) {
	engine := policy.Default()
	for _, n := range []int{6_000, 18_000} {
		gc := policy.GroupCase{Group: policy.Group{ID: "g1", Owner: "m0", Members: n}, Now: benchNow,
			Violations: []policy.Violation{benchViolation("spam", policy.SeverityLow, "m1")}}
		for i := range n {
			id := fmt.Sprintf("m%d", i)
			role := policy.RoleMember
			switch {
			case i == 0:
				role = policy.RoleOwner
			case i <= n/2:
				role = policy.RoleAdmin
				gc.Group.Admins = append(gc.Group.Admins, id)
			}
			gc.Members = append(gc.Members, policy.Membership{Account: policy.Account{ID: id}, Role: role})
		}
		var dst []policy.Decision
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = engine.DecideGroup(context.Background(), gc, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScaleErrorPositions compiles a policy whose one-line condition
// has n type errors: each is mapped back into the file in constant time.
func BenchmarkScaleErrorPositions(b *testing.B) {
	for _, n := range []int{1_000, 3_000} {
		src := []byte(strings.Replace(string(policy.DefaultSource()), "when: violation.zero_tolerance\n",
			"when: "+strings.Repeat("1 + true == 2 && ", n)+"true\n", 1))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := policy.Compile("errors.yaml", src)
				require.Error(b, err)
			}
		})
	}
}

// BenchmarkScaleCompileRules compiles a policy of n rules and indexes them.
func BenchmarkScaleCompileRules(b *testing.B) {
	for _, n := range []int{300, 900} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				manyRules(b, n)
			}
		})
	}
}
