package enforcement_test

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"testing"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// BenchmarkPlan50 builds the plan of a verified CSAM case in a group of
// 50 members.
func BenchmarkPlan50(b *testing.B) {
	cfg := synth.Default
	cfg.MinMembers, cfg.MaxMembers, cfg.Groups, cfg.FocusShare = 50, 50, 1, 1
	var gc enforcement.GroupCase
	for c := range synth.Cases(cfg) {
		gc = c
	}
	planner := enforcement.NewPlanner(policy.Default())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planner.Plan(context.Background(), gc); err != nil {
			b.Fatal(err)
		}
	}
}

// ring streams n cases cycling over a fixed set generated once, so that the
// benchmark measures planning rather than the generator.
func ring(cases []enforcement.GroupCase, n int) iter.Seq[enforcement.GroupCase] {
	return func(yield func(enforcement.GroupCase) bool) {
		for i := range n {
			if !yield(cases[i%len(cases)]) {
				return
			}
		}
	}
}

// BenchmarkCampaign runs whole campaigns of 10,000 and 100,000 groups and
// reports member decisions per second and the peak heap seen while running
// (sampled every 1,000 plans), which must stay flat as the campaign grows.
func BenchmarkCampaign(b *testing.B) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 500
	cases := slices.Collect(synth.Cases(cfg))
	for _, groups := range []int{10000, 100000} {
		b.Run(fmt.Sprint(groups), func(b *testing.B) {
			var decisions int
			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			for b.Loop() {
				n := 0
				r, err := planner.Run(context.Background(), enforcement.Campaign{Name: "bench"}, ring(cases, groups),
					enforcement.WithPlans(func(*enforcement.Plan) error {
						if n++; n%1000 == 0 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapAlloc)
						}
						return nil
					}))
				if err != nil {
					b.Fatal(err)
				}
				decisions += r.MemberDecisions
			}
			b.ReportMetric(float64(decisions)/b.Elapsed().Seconds(), "decisions/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
