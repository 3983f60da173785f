package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/benchcpu"
	"github.com/groupwarden/warden/policy"
)

// The scaling benchmarks: each runs its path at two sizes a factor 3
// apart, so that the ratio of their times shows how it grows (at most 3.5
// for a path linear or n log n in its input).
//
//	go test ./policy -run '^$' -bench Scale -benchmem
//
// Each reports cpu-ns/op too, the CPU time of the process per operation,
// which other loads on a shared machine skew less than the wall time.

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
			defer benchcpu.Report(b)()
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
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchDecideGroup(b, engine, gc) })
	}
}

// BenchmarkScaleDecideGroupBystanders decides a group case of 6,000
// members and n violations (3,000 and 9,000), each committed by one of a
// thousand members: a member no rule concerns through others' violations is
// decided on their own acts alone, so the group costs time linear in its
// members plus its violations, not their product.
func BenchmarkScaleDecideGroupBystanders(b *testing.B) {
	engine := policy.Default()
	const members = 6_000
	for _, n := range []int{3_000, 9_000} {
		gc := policy.GroupCase{Group: policy.Group{ID: "g1", Owner: "m0", Members: members}, Now: benchNow}
		for i := range members {
			role := policy.RoleMember
			if i == 0 {
				role = policy.RoleOwner
			}
			gc.Members = append(gc.Members, policy.Membership{Account: policy.Account{ID: fmt.Sprintf("m%d", i)}, Role: role})
		}
		for i := range n {
			v := benchViolation("spam", policy.SeverityLow, fmt.Sprintf("m%d", 1+i%1000))
			v.ID = fmt.Sprintf("v%d", i)
			gc.Violations = append(gc.Violations, v)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchDecideGroup(b, engine, gc) })
	}
}

// BenchmarkScaleDecideGroupLeaders decides a group case of an owner, 30
// admins and a member who commits n verified CSAM violations (1,000 and
// 3,000): each leader is decided over every violation, with a match in
// each, so that the time grows with the violations times the leaders,
// here linearly in the violations; policy.MaxChecks bounds the product.
func BenchmarkScaleDecideGroupLeaders(b *testing.B) {
	engine := policy.Default()
	const admins = 30
	for _, n := range []int{1_000, 3_000} {
		gc := policy.GroupCase{Group: policy.Group{ID: "g1", Owner: "a0", Members: admins + 2}, Now: benchNow}
		for i := range admins + 1 {
			id, role := fmt.Sprintf("a%d", i), policy.RoleAdmin
			if i == 0 {
				role = policy.RoleOwner
			} else {
				gc.Group.Admins = append(gc.Group.Admins, id)
			}
			gc.Members = append(gc.Members, policy.Membership{Account: policy.Account{ID: id}, Role: role})
		}
		gc.Members = append(gc.Members, policy.Membership{Account: policy.Account{ID: "m"}, Role: policy.RoleMember})
		for i := range n {
			v := benchViolation("csam", policy.SeverityCritical, "m")
			v.ID = fmt.Sprintf("v%d", i)
			gc.Violations = append(gc.Violations, v)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchDecideGroup(b, engine, gc) })
	}
}

// densePolicy is a policy of n account rules for the actor of a spam
// violation, each asking for more reports than the one before: every rule
// is a candidate of every such violation, and the rules from the reports'
// number on do not match.
func densePolicy(n int) []byte {
	var b strings.Builder
	b.WriteString("name: dense\nversion: \"1\"\nappeal: {route: help}\ncategories: [{name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}]\nrules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: r%d, target: account, when: 'subject.is_actor && violation.reports >= %d', penalty: warn, message: \"'x'\", ground: {kind: contractual, reference: t}}\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkScaleExplainRules explains a case of one violation under a
// dense policy of 1,000 and 3,000 rules: a trace for every rule, each
// told apart from the candidates in constant time.
func BenchmarkScaleExplainRules(b *testing.B) {
	v := benchViolation("spam", policy.SeverityLow, "m")
	v.Evidence.Reports = []policy.Report{{Source: policy.SourceUser}, {Source: policy.SourceUser}}
	c := policy.Case{Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "m"},
		Violations: []policy.Violation{v}, Now: benchNow}
	for _, n := range []int{1_000, 3_000} {
		engine, err := policy.Compile("dense.yaml", densePolicy(n))
		require.NoError(b, err)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			defer benchcpu.Report(b)()
			for b.Loop() {
				if _, err := engine.Explain(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchDecideGroup decides gc over and over into the same room.
func benchDecideGroup(b *testing.B, engine *policy.Engine, gc policy.GroupCase) {
	b.ReportAllocs()
	defer benchcpu.Report(b)()
	var dst []policy.Decision
	for b.Loop() {
		var err error
		if dst, err = engine.DecideGroup(context.Background(), gc, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// oneLinePolicy is a policy on one line whose n rules each have a type
// error: every error is mapped to a column of that one line.
func oneLinePolicy(n int) []byte {
	var b strings.Builder
	b.WriteString(`{name: one-line, version: "1", appeal: {route: help}, categories: [{name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}], rules: [`)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{id: r%d, target: account, when: "1 + true == 2", penalty: warn, message: "'x'", ground: {kind: contractual, reference: t}}`, i)
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

// BenchmarkScaleErrorPositions compiles a one-line policy whose n rules
// each have an error: each position is mapped in time that does not grow
// with the line (the line's characters are read once).
func BenchmarkScaleErrorPositions(b *testing.B) {
	for _, n := range []int{300, 900} {
		src := oneLinePolicy(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			defer benchcpu.Report(b)()
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
			defer benchcpu.Report(b)()
			for b.Loop() {
				manyRules(b, n)
			}
		})
	}
}
