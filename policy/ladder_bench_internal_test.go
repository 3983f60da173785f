package policy

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// ladderLeadersPolicy climbs a ladder for the owner and admins on every
// violation: each match finds the leader's step in their history
// (countWithin), work that MaxChecks counts as one check.
const ladderLeadersPolicy = `name: ladder-leaders
version: "1"
appeal: {route: help}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
ladders:
  - name: rep
    window: 3650d
    steps:
      - penalty: warn
      - penalty: suspend
        duration: 1d
rules:
  - id: leaders
    target: account
    when: subject.role != role.member
    ladder: rep
    message: '"x"'
    ground: {kind: contractual, reference: terms}
`

// The same group case, at the same number of checks, with leaders of no
// history and of MaxHistory records, under a policy whose leaders climb a
// ladder on every violation and one whose condition counts their strikes
// eight times: a leader's history is sorted once, and each ladder step or
// strikes() is a binary search in it, so that a long history costs about
// its own length, not that times the violations and calls (go test
// ./policy -run '^$' -bench 'Leader(Ladder|Strikes)' -benchmem).
func BenchmarkLeaderLadder(b *testing.B) { benchLeaderHistory(b, ladderLeadersPolicy) }

// BenchmarkLeaderStrikes is BenchmarkLeaderLadder with strikes() read
// eight times by the condition.
func BenchmarkLeaderStrikes(b *testing.B) { benchLeaderHistory(b, strikesLeadersPolicy) }

func benchLeaderHistory(b *testing.B, src string) {
	e, err := Compile("leaders.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	for _, h := range []int{0, MaxHistory} {
		gc := leadersGroup(99, 1, 100, verifiedOf("spam", SeverityLow))
		hist := make([]Record, h)
		for i := range hist {
			hist[i] = Record{At: gc.Now.Add(-time.Duration(i+1) * time.Hour), Penalty: PenaltyWarn}
		}
		for i := range gc.Members {
			gc.Members[i].Account.History = hist
		}
		b.Run(fmt.Sprintf("history=%d", h), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.DecideGroup(context.Background(), gc, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
