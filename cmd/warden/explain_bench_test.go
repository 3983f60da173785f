package main

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/benchcpu"
	"github.com/groupwarden/warden/policy"
)

// BenchmarkExplainViolations explains, and writes as warden explain does,
// the case of a member who committed n spam violations (1,000 and 3,000):
// each violation's traces are found once, not looked for among all of them.
func BenchmarkExplainViolations(b *testing.B) {
	engine := policy.Default()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 3_000} {
		c := policy.Case{Target: policy.TargetAccount, Now: now, Account: &policy.Account{ID: "m"},
			Group: policy.Group{ID: "g1", Owner: "o", Members: 2}}
		for i := range n {
			c.Violations = append(c.Violations, policy.Violation{ID: fmt.Sprintf("v%d", i), Category: "spam", Severity: policy.SeverityLow, Actor: "m"})
		}
		parts := partitions(engine)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			defer benchcpu.Report(b)()
			for b.Loop() {
				x, err := engine.Explain(context.Background(), c)
				require.NoError(b, err)
				writeExplanation(io.Discard, c, x, parts)
			}
		})
	}
}
