package policy

import (
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
