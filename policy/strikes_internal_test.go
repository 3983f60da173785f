package policy

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// countWithin counts what the plain reading of every record counts, on
// seeded histories short and long (read whole, or sorted once and
// searched), with penalties of none, records from the future, records at
// the window's edges and at now, and windows from none to longer than the
// history, negative ones included; a new subject is counted afresh.
func TestCountWithinIsTheCountOfTheRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &evalState{}
	for range 400 {
		n := rng.IntN(3 * shortHistory)
		h := make([]Record, n)
		for i := range h {
			h[i] = Record{At: now.Add(time.Duration(rng.IntN(200)-180) * time.Hour), Penalty: Penalty(rng.IntN(3))}
		}
		st.c.Now, st.History = now, h
		st.bindSubject(RoleMember)
		st.History = h // bindSubject reads no account here: set the history after it
		for range 20 {
			window := Duration(time.Duration(rng.IntN(220)-10) * time.Hour)
			if rng.IntN(4) == 0 && n > 0 {
				window = Duration(now.Sub(h[rng.IntN(n)].At)) // a record at the window's edge
			}
			want := 0
			from := now.Add(-time.Duration(window))
			for _, r := range h {
				if r.Penalty != PenaltyNone && !r.At.Before(from) && r.At.Before(now) {
					want++
				}
			}
			require.Equal(t, want, st.countWithin(window), "%d records, window %s", n, time.Duration(window))
		}
	}
}

// A pooled state keeps nothing of the case it decided: after release, none
// of the sorted penalty times countWithin built for a long history, nor
// the caller's zone each of them points to.
func TestReleaseKeepsNoPenaltyTimes(t *testing.T) {
	e, err := Compile("trace-budget.yaml", []byte(traceBudgetPolicy))
	require.NoError(t, err)
	zone := time.FixedZone("caller", 3600)
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, zone)
	c := Case{Target: TargetAccount, Account: &Account{ID: "a"}, Role: RoleMember, Now: now, Group: Group{ID: "g", Owner: "o", Members: 2},
		Violations: []Violation{{ID: "v0", Category: "c1", Actor: "a", Severity: SeverityLow, Detected: now.Add(-time.Hour)}}}
	for i := range 3 * shortHistory {
		c.Account.History = append(c.Account.History, Record{At: now.Add(-time.Duration(i+1) * time.Minute), Penalty: PenaltyWarn})
	}
	st := newEvalState(e)
	role, err := e.validate(&c, st)
	require.NoError(t, err)
	st.bind(&c, role)
	var d Decision
	require.NoError(t, e.decide(context.Background(), st, &d, false))
	require.Equal(t, "other", d.Rule, "strikes() read the long history")
	st.release()
	for i, at := range st.strikeTimes[:cap(st.strikeTimes)] {
		require.True(t, at.IsZero(), "the released state still holds penalty time %d: %v", i, at)
	}
}
