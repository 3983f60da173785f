package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// densePolicy builds a policy of n account rules that all share the same
// two categories, the actor requirement and no role requirement, so that
// warden's category-and-subject index keeps every one of them as a
// candidate. They differ in what the index does not read: the severity
// (low to critical) and the number of reports they need (rule i needs i/4,
// so the same few rules match a case whatever the size of the policy, and
// only the rules that do not match are added).
func densePolicy(n int) string {
	var s strings.Builder
	s.WriteString(`name: dense
version: "1"
appeal: {route: help}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
  - {name: fraud, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
rules:
`)
	severities := []string{"low", "medium", "high", "critical"}
	for i := range n {
		penalty := "warn"
		if i%3 != 0 {
			penalty = fmt.Sprintf("suspend\n    duration: %dd", 1+i%30)
		}
		fmt.Fprintf(&s, `  - id: r%d
    target: account
    when: violation.category in [category.spam, category.fraud] && subject.is_actor && violation.severity >= severity.%s && violation.reports >= %d
    penalty: %s
    message: '"rule %d"'
    ground: {kind: contractual, reference: terms}
`, i, severities[i%4], i/4, penalty, i)
	}
	return s.String()
}

// denseCase is the actor of a medium spam violation with two user reports:
// six rules match (r0, r1, r4, r5, r8, r9), in either size.
func denseCase() policy.Case {
	v := verifiedViolation("spam", policy.SeverityMedium, "member")
	v.Evidence.Reports = []policy.Report{{Source: policy.SourceUser, At: now.Add(-2 * time.Hour)}, {Source: policy.SourceUser, At: now.Add(-time.Hour)}}
	return policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "member"},
		Violations: []policy.Violation{v}, Now: now}
}

// denseSizes are the two sizes BenchmarkDense compares: the target is the
// 1,000-rule policy within 2× of the 16-rule one.
var denseSizes = []int{16, 1000}

// BenchmarkDense decides the same case on a 16-rule and a 1,000-rule dense
// policy: BenchmarkDense/<rules>. The time ratio of the two is what the
// case-space lookup is meant to bring down.
func BenchmarkDense(b *testing.B) {
	ctx := context.Background()
	c := denseCase()
	for _, n := range denseSizes {
		e, err := policy.Compile("dense.yaml", []byte(densePolicy(n)))
		require.NoError(b, err)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Decide(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDense checks that the dense policies compile and that exactly the
// expected rules match the dense case: those needing at most medium
// severity and at most two reports.
func TestDense(t *testing.T) {
	c := denseCase()
	for _, n := range denseSizes {
		e, err := policy.Compile("dense.yaml", []byte(densePolicy(n)))
		require.NoError(t, err)
		d, err := e.Decide(context.Background(), c)
		require.NoError(t, err)
		var ids []string
		for _, m := range d.Matches {
			ids = append(ids, m.Rule)
		}
		require.ElementsMatch(t, []string{"r0", "r1", "r4", "r5", "r8", "r9"}, ids, "%d rules", n)
		require.Equal(t, policy.PenaltySuspend, d.Penalty)
	}
}
