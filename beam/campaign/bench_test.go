package campaign_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/groupwarden/warden/beam/campaign"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPrism runs the pipeline on the in-process Prism runner over a
// platform campaign written to 8 files, and "in-process" the campaign of
// the enforcement package over the same cases, reading them from memory,
// as the baseline of the same run. Both report member decisions per
// second and per CPU-second (every core the process used).
func BenchmarkPrism(b *testing.B) {
	for _, groups := range []int{4000, 16000} {
		dir := b.TempDir()
		cfg := synth.Platform()
		cfg.Groups, cfg.Pool = groups, groups/10
		cases := writeCases(b, dir, cfg, 8)
		members := 0
		for _, gc := range cases {
			members += len(gc.Members)
		}
		report := func(b *testing.B, cpu0 time.Duration) {
			n := float64(members * b.N)
			b.ReportMetric(n/b.Elapsed().Seconds(), "decisions/s")
			b.ReportMetric(n/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
		}
		b.Run(fmt.Sprintf("prism/%d", groups), func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				p, s := beam.NewPipelineWithRoot()
				if err := campaign.Write(s, campaign.Config{Campaign: theCampaign}, filepath.Join(dir, "cases-*.jsonl"), filepath.Join(b.TempDir(), "out")); err != nil {
					b.Fatal(err)
				}
				if err := ptest.Run(p); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0)
		})
		b.Run(fmt.Sprintf("in-process/%d", groups), func(b *testing.B) {
			planner := enforcement.NewPlanner(policy.Default())
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := planner.Run(context.Background(), theCampaign, slices.Values(cases)); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0)
		})
	}
}
