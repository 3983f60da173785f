package enforcement

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Sketch is a mergeable histogram of durations in fixed logarithmic
// buckets, the store behind the latency quantiles of a [Report]. Durations
// are counted in whole milliseconds: below 128 ms each millisecond has its
// bucket; above, every power of two is cut into 64 equal buckets. A
// quantile read from the sketch is the midpoint of its bucket, so it is
// within [SketchRelativeError] of the exact quantile of the millisecond
// values (and exact below 128 ms).
//
// The buckets are fixed and the counts are integers, so merging sketches is
// exact, commutative and associative: however a campaign is split, the
// merged sketch is the same as one run's, byte for byte, and so are its
// quantiles. The bucketing is integer arithmetic only, the same on every
// machine. Memory is one pair per non-empty bucket: at most 64 per power of
// two the durations span (about 1,400 buckets from a second to a year).
type Sketch struct {
	// Buckets are the non-empty buckets in increasing order.
	Buckets []SketchBucket `json:"buckets,omitempty"`
}

// SketchRelativeError bounds the relative error of a quantile read from a
// [Sketch]: 1/128.
const SketchRelativeError = 1.0 / 128

// SketchBucket is one bucket of a [Sketch]: its index and how many
// durations fell in it. It is written as a JSON pair [index, count].
type SketchBucket struct {
	Index int
	Count int64
}

// MarshalJSON writes the bucket as [index, count].
func (b SketchBucket) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]int64{int64(b.Index), b.Count})
}

// UnmarshalJSON reads a bucket written by MarshalJSON.
func (b *SketchBucket) UnmarshalJSON(data []byte) error {
	var pair [2]int64
	if err := json.Unmarshal(data, &pair); err != nil {
		return fmt.Errorf("sketch bucket: want [index, count]: %w", err)
	}
	if pair[0] < 0 || pair[0] > maxBucket || pair[1] <= 0 {
		return fmt.Errorf("sketch bucket [%d, %d]: want an index in [0, %d] and a positive count", pair[0], pair[1], maxBucket)
	}
	b.Index, b.Count = int(pair[0]), pair[1]
	return nil
}

// UnmarshalJSON reads a sketch, refusing buckets out of order or twice.
func (s *Sketch) UnmarshalJSON(data []byte) error {
	var v struct {
		Buckets []SketchBucket `json:"buckets"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	for i := 1; i < len(v.Buckets); i++ {
		if v.Buckets[i].Index <= v.Buckets[i-1].Index {
			return fmt.Errorf("sketch: buckets[%d]: index %d after %d; want increasing indexes", i, v.Buckets[i].Index, v.Buckets[i-1].Index)
		}
	}
	s.Buckets = v.Buckets
	return nil
}

const (
	subBits    = 6 // 64 buckets per power of two
	exactBelow = 2 << subBits
	maxBucket  = exactBelow + (63-subBits)<<subBits
)

// bucketOf returns the bucket of a duration of ms milliseconds.
func bucketOf(ms int64) int {
	if ms < exactBelow {
		return int(max(ms, 0))
	}
	e := bits.Len64(uint64(ms)) - subBits - 1 // ms>>e is in [64, 128)
	return exactBelow + (e-1)<<subBits + int(ms>>e) - 1<<subBits
}

// bucketValue returns the midpoint of a bucket, in milliseconds.
func bucketValue(i int) int64 {
	if i < exactBelow {
		return int64(i)
	}
	e := (i-exactBelow)>>subBits + 1
	m := int64((i-exactBelow)&(1<<subBits-1) + 1<<subBits)
	return m<<e + (1<<e)/2
}

// Add counts one duration; negative durations count as zero.
func (s *Sketch) Add(d time.Duration) { s.add(bucketOf(d.Milliseconds()), 1) }

func (s *Sketch) add(i int, n int64) {
	j, found := slices.BinarySearchFunc(s.Buckets, i, func(b SketchBucket, i int) int { return b.Index - i })
	if found {
		s.Buckets[j].Count += n
		return
	}
	s.Buckets = slices.Insert(s.Buckets, j, SketchBucket{Index: i, Count: n})
}

// Merge adds the counts of o to s.
func (s *Sketch) Merge(o Sketch) {
	if len(s.Buckets) == 0 {
		s.Buckets = slices.Clone(o.Buckets)
		return
	}
	out := make([]SketchBucket, 0, len(s.Buckets)+len(o.Buckets))
	a, b := s.Buckets, o.Buckets
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0].Index < b[0].Index:
			out, a = append(out, a[0]), a[1:]
		case a[0].Index > b[0].Index:
			out, b = append(out, b[0]), b[1:]
		default:
			out = append(out, SketchBucket{Index: a[0].Index, Count: a[0].Count + b[0].Count})
			a, b = a[1:], b[1:]
		}
	}
	s.Buckets = append(append(out, a...), b...)
}

// Count returns how many durations the sketch holds.
func (s *Sketch) Count() int64 {
	var n int64
	for _, b := range s.Buckets {
		n += b.Count
	}
	return n
}

// Quantiles returns the q-quantiles of the durations, each q in [0, 1]:
// with n durations in increasing order, the value at rank q·(n−1),
// interpolated linearly between the two ranks around it (the usual sample
// quantile), each read from its bucket, so within [SketchRelativeError] of
// the exact value. An empty sketch gives zeros.
func (s *Sketch) Quantiles(qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	n := s.Count()
	if n == 0 {
		return out
	}
	for k, q := range qs {
		rank := min(max(q, 0), 1) * float64(n-1)
		lo := int64(rank)
		vlo, vhi := s.valueAt(lo), s.valueAt(min(lo+1, n-1))
		// The explicit conversion keeps the product from being fused with
		// the sum, so the result is the same on every machine.
		delta := float64(float64(vhi-vlo) * (rank - float64(lo)))
		out[k] = millis(math.Round(float64(vlo) + delta))
	}
	return out
}

// millis converts milliseconds to a duration, saturating at the longest.
func millis(ms float64) time.Duration {
	if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

// valueAt returns the value, in milliseconds, of the duration of the given
// rank (from 0) in increasing order.
func (s *Sketch) valueAt(rank int64) int64 {
	var seen int64
	for _, b := range s.Buckets {
		if seen += b.Count; seen > rank {
			return bucketValue(b.Index)
		}
	}
	return 0
}
