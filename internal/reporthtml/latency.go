package reporthtml

import (
	"time"

	"github.com/groupwarden/warden/enforcement"
)

// latencyBounds are the upper bounds of the histogram's buckets; the last
// bucket holds everything above the last bound. They are fixed, so that
// the histogram takes constant memory and two campaigns' histograms line up.
var latencyBounds = []time.Duration{
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	day, 2 * day, 3 * day, 4 * day, 5 * day, 6 * day, 7 * day, 10 * day, 14 * day, 21 * day, 30 * day, 60 * day, 90 * day,
}

const day = 24 * time.Hour

// Latencies is the histogram of the time from detection to decision of a
// campaign's plans, in fixed buckets. Feed it every plan of the campaign
// (with [enforcement.WithPlans]); it counts the cases the report's
// [enforcement.Latency] counts, by the same rule: from the earliest
// detection (or, without one, commission) of a plan's violations to the
// plan's time. The zero value is an empty histogram.
type Latencies struct {
	counts [18]int // len(latencyBounds)+1
}

// Bucket is one bar of the histogram: the cases whose latency is in
// (From, To]; To is zero for the last, open bucket.
type Bucket struct {
	From, To time.Duration
	Count    int
}

// Add counts the latency of one plan; a plan with no dated violation, or
// whose violations are all dated after it, is not counted.
func (l *Latencies) Add(p *enforcement.Plan) {
	var first time.Time
	for i := range p.Violations {
		v := &p.Violations[i]
		at := v.Detected
		if at.IsZero() {
			at = v.Committed
		}
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() || first.After(p.At) {
		return
	}
	l.counts[bucketOf(p.At.Sub(first))]++
}

func bucketOf(d time.Duration) int {
	for i, b := range latencyBounds {
		if d <= b {
			return i
		}
	}
	return len(latencyBounds)
}

// Cases returns how many plans the histogram counted.
func (l *Latencies) Cases() int {
	n := 0
	for _, c := range l.counts {
		n += c
	}
	return n
}

// Buckets returns every bucket, empty ones included, in order.
func (l *Latencies) Buckets() []Bucket {
	out := make([]Bucket, len(l.counts))
	var from time.Duration
	for i, c := range l.counts {
		out[i] = Bucket{From: from, Count: c}
		if i < len(latencyBounds) {
			out[i].To = latencyBounds[i]
			from = latencyBounds[i]
		}
	}
	return out
}
