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

// BenchmarkCampaign runs whole campaigns of 10,000 and 100,000 groups
// cycling over 500 cases (the shape earlier releases measured, so the
// figures compare) and reports member decisions per second and the peak
// heap seen while running (sampled every 1,000 plans), which must stay flat
// as the campaign grows.
func BenchmarkCampaign(b *testing.B) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 500
	cases := slices.Collect(synth.Cases(cfg))
	for _, groups := range []int{10000, 100000} {
		b.Run(fmt.Sprint(groups), func(b *testing.B) {
			campaignBench(b, planner, func() iter.Seq[enforcement.GroupCase] { return ring(cases, groups) })
		})
	}
}

// BenchmarkPlatform runs campaigns over distinct synthetic groups whose
// accounts are shared (synth.Platform, a pool of a tenth as many accounts
// as groups), at 10,000, 100,000 and 1,000,000 groups: "reconciled" is the
// campaign (one plan per account), "groups" the same run handing the
// measures on instead of reconciling them, and "generate" the generator
// alone, to subtract. It reports member decisions per second (and per
// core), the peak heap, and the penalised accounts.
func BenchmarkPlatform(b *testing.B) {
	planner := enforcement.NewPlanner(policy.Default())
	for _, groups := range platformSizes {
		cfg := synth.Platform()
		cfg.Groups, cfg.Pool = groups, groups/10
		b.Run(fmt.Sprintf("generate/%d", groups), func(b *testing.B) {
			members := 0
			cpu0 := cpuTime()
			for b.Loop() {
				for gc := range synth.Cases(cfg) {
					members += len(gc.Members)
				}
			}
			b.ReportMetric(float64(members)/b.Elapsed().Seconds(), "members/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(members)/cpu.Seconds(), "members/cpu-s")
			}
		})
		b.Run(fmt.Sprintf("groups/%d", groups), func(b *testing.B) {
			campaignBench(b, planner, func() iter.Seq[enforcement.GroupCase] { return synth.Cases(cfg) },
				enforcement.WithMeasures(func(enforcement.AccountMeasure) error { return nil }))
		})
		b.Run(fmt.Sprintf("reconciled/%d", groups), func(b *testing.B) {
			campaignBench(b, planner, func() iter.Seq[enforcement.GroupCase] { return synth.Cases(cfg) })
		})
	}
}

func campaignBench(b *testing.B, planner *enforcement.Planner, cases func() iter.Seq[enforcement.GroupCase], opts ...enforcement.RunOption) {
	var decisions, accounts int
	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		n := 0
		opts := append(slices.Clone(opts), enforcement.WithPlans(func(*enforcement.Plan) error {
			if n++; n%1000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			return nil
		}), enforcement.WithAccountPlans(func(*enforcement.AccountPlan) error {
			if accounts++; accounts%1000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			return nil
		}))
		r, err := planner.Run(context.Background(), enforcement.Campaign{Name: "bench"}, cases(), opts...)
		if err != nil {
			b.Fatal(err)
		}
		decisions += r.MemberDecisions
	}
	perSec := float64(decisions) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "decisions/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(decisions)/cpu.Seconds(), "decisions/cpu-s")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(accounts)/float64(b.N), "accounts")
}

// BenchmarkReconcile measures account reconciliation apart: the CPU time
// per penalised account to turn its measures into its plan, and the heap a
// Reconciler holds per penalised account (B/account) at the end of a
// platform campaign, everything its measures keep alive included.
func BenchmarkReconcile(b *testing.B) {
	planner := enforcement.NewPlanner(policy.Default())
	c := enforcement.Campaign{Name: "bench"}
	for _, groups := range []int{10000, 100000} {
		cfg := synth.Platform()
		cfg.Groups, cfg.Pool = groups, groups/10
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		rec := enforcement.NewReconciler()
		if _, err := planner.Run(context.Background(), c, synth.Cases(cfg), enforcement.WithMeasures(rec.Add)); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		held := ms.HeapAlloc - before
		accounts, measures := rec.Accounts(), len(rec.Measures())
		b.Run(fmt.Sprint(groups), func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				report := enforcement.NewReport(c, policy.Default())
				if err := planner.Reconcile(context.Background(), c, rec, report, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(held)/float64(accounts), "B/account")
			b.ReportMetric(float64(measures)/float64(accounts), "measures/account")
			b.ReportMetric(float64(accounts), "accounts")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*accounts), "ns/account")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*accounts), "cpu-ns/account")
			}
		})
		runtime.KeepAlive(rec)
	}
}

// platformSizes are the campaigns BenchmarkPlatform runs.
var platformSizes = []int{10000, 100000, 1000000}
