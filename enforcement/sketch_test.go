package enforcement_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
)

// exactQuantile is the sample quantile with linear interpolation, of
// millisecond values.
func exactQuantile(sorted []int64, q float64) float64 {
	rank := q * float64(len(sorted)-1)
	lo := int(rank)
	hi := min(lo+1, len(sorted)-1)
	return float64(sorted[lo]) + float64(sorted[hi]-sorted[lo])*(rank-float64(lo))
}

// Quantiles stay within the stated bound over durations from milliseconds
// to a year, and the sketch of any split of the values, merged in any
// order, is the sketch of all of them.
func TestSketchBoundAndExactMerge(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 1 + rng.IntN(3000)
		var all enforcement.Sketch
		parts := make([]enforcement.Sketch, 1+rng.IntN(6))
		ms := make([]int64, n)
		for i := range ms {
			// log-uniform from 1 ms to a year, and some exact repeats
			ms[i] = int64(math.Exp(rng.Float64() * math.Log(365*24*3600*1000)))
			if i > 0 && rng.IntN(10) == 0 {
				ms[i] = ms[i-1]
			}
			d := time.Duration(ms[i]) * time.Millisecond
			all.Add(d)
			parts[rng.IntN(len(parts))].Add(d)
		}
		slices.Sort(ms)
		qs := []float64{0, 0.5, 0.9, 0.99, 1}
		got := all.Quantiles(qs...)
		for k, q := range qs {
			want := exactQuantile(ms, q)
			assert.InEpsilon(t, want+1, float64(got[k].Milliseconds())+1, enforcement.SketchRelativeError+1e-9, "seed %d q %v", seed, q)
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		var merged enforcement.Sketch
		for _, p := range parts {
			merged.Merge(p)
		}
		assert.Equal(t, all, merged, "seed %d: merging is exact", seed)
		assert.EqualValues(t, n, merged.Count())

		b, err := json.Marshal(all)
		require.NoError(t, err)
		var back enforcement.Sketch
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, all, back, "stored and reloaded")
	}
}

func TestSketchEdges(t *testing.T) {
	var s enforcement.Sketch
	assert.Equal(t, []time.Duration{0, 0}, s.Quantiles(0.5, 0.99), "empty")
	s.Add(-time.Hour)
	s.Add(0)
	s.Add(127 * time.Millisecond) // exact below 128 ms
	assert.Equal(t, []time.Duration{0, 127 * time.Millisecond}, s.Quantiles(0, 1))
	s.Add(time.Duration(math.MaxInt64)) // the biggest duration has a bucket
	assert.InEpsilon(t, float64(math.MaxInt64), float64(s.Quantiles(1)[0]), enforcement.SketchRelativeError)

	var bad enforcement.Sketch
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"buckets":[[-1,2]]}`), &bad), "index")
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"buckets":[[3,0]]}`), &bad), "positive count")
	assert.Error(t, json.Unmarshal([]byte(`{"buckets":[3]}`), &bad))
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"buckets":[[5,1],[5,1]]}`), &bad), "buckets[1]")
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"buckets":[[6,1],[5,1]]}`), &bad), "increasing")
}
