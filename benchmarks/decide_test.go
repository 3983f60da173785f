package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// TestSameDecisions makes sure the benchmarks compare like with like: the
// five implementations give the expected answer on every case.
func TestSameDecisions(t *testing.T) {
	ds := deciders(t)
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, d := range ds {
				got, err := d.decide(ctx, tc.c)
				require.NoError(t, err, d.name)
				assert.Equal(t, tc.want, got, "%s: want %s, got %s", d.name, tc.want, got)
			}
		})
	}
}

// TestGuardsDoNotAct checks that on these cases warden's rules alone decide:
// no guard lowers or holds a penalty and no rule fails, so the peers, which
// encode the rules and not the guards, answer the same question.
func TestGuardsDoNotAct(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := policy.Default().Decide(context.Background(), tc.c)
			require.NoError(t, err)
			assert.Empty(t, d.Guards)
			assert.Empty(t, d.Errors)
			assert.False(t, d.PendingReview)
		})
	}
}

// TestPeersFollowWarden goes beyond the benchmarked cases so that a peer
// that is right on them by accident is caught: every role, actor,
// zero-tolerance and graduated category, severity and ladder step, one or
// two violations, each decided like warden decides it.
func TestPeersFollowWarden(t *testing.T) {
	ds := deciders(t)
	ctx := context.Background()
	var violations []policy.Violation
	for _, cat := range []string{"csam", "pii_trafficking", "spam", "fraud"} {
		for sev := policy.SeverityLow; sev <= policy.SeverityCritical; sev++ {
			for _, actor := range []string{"", "owner", "admin", "member", "someone"} {
				violations = append(violations, verifiedViolation(cat, sev, actor))
			}
		}
	}
	n := 0
	for _, id := range []string{"owner", "admin", "member"} {
		for prior := range 6 {
			a := &policy.Account{ID: id}
			for i := range prior {
				a.History = append(a.History, policy.Record{At: now.AddDate(0, -1-i, 0), Penalty: policy.PenaltyWarn, Category: "spam"})
			}
			for i, v := range violations {
				second := violations[(i*7+prior)%len(violations)]
				second.ID = "v2"
				for _, vs := range [][]policy.Violation{{v}, {v, second}} {
					c := policy.Case{Target: policy.TargetAccount, Group: group, Account: a, Violations: vs, Now: now}
					want, err := decideWarden(ctx, c)
					require.NoError(t, err)
					for _, d := range ds {
						if d.name == "warden" {
							continue
						}
						got, err := d.decide(ctx, c)
						require.NoError(t, err, d.name)
						require.Equal(t, want, got, "%s on %s with %d prior penalties and %s", d.name, id, prior, describe(vs))
					}
					n++
				}
			}
		}
	}
	t.Logf("%d cases agree", n)
}

// describe names violations briefly: category, severity and actor.
func describe(vs []policy.Violation) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s by %q", v.Severity, v.Category, v.Actor)
	}
	return b.String()
}
