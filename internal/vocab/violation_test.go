package vocab

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// LatestReviewAt finds, on reviews generated from a seed, the review with
// the latest time at or before t, the later in the list on a tie, or nil;
// the zero t admits every review. The one-review case, told without the
// loop, is held to the same answer.
func TestLatestReviewAtIsTheLatest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 21))
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	offsets := []time.Duration{-time.Hour, -time.Nanosecond, 0, time.Nanosecond, time.Hour}
	ones := 0
	for range 5000 {
		var v Violation
		for range rng.IntN(4) {
			v.Reviews = append(v.Reviews, Review{Reviewer: "r", Verdict: VerdictConfirmed, At: now.Add(offsets[rng.IntN(len(offsets))])})
		}
		at := now
		if rng.IntN(4) == 0 {
			at = time.Time{}
		}
		var want *Review
		for i := range v.Reviews {
			r := &v.Reviews[i]
			if (at.IsZero() || r.At.Compare(at) <= 0) && (want == nil || r.At.Compare(want.At) >= 0) {
				want = r
			}
		}
		if len(v.Reviews) == 1 {
			ones++
		}
		require.Same(t, want, v.LatestReviewAt(at), "%v at %v", v.Reviews, at)
	}
	require.Greater(t, ones, 500)
}
