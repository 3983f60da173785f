package enforcement_test

import (
	"context"
	"fmt"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// A campaign run as three shards, whose reports merge and whose accounts
// are reconciled once, gives the report of one run.
func ExampleReport_Merge() {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Platform()
	cfg.Groups, cfg.Pool = 300, 30
	c := enforcement.Campaign{Name: "sharded", From: synth.Start, To: synth.End, Focus: synth.Focus}

	rec := enforcement.NewReconciler()
	merged := enforcement.NewReport(c, policy.Default())
	for k := range 3 {
		r, err := planner.Run(context.Background(), c, synth.Cases(cfg), enforcement.WithShard(k, 3), enforcement.WithMeasures(rec.Add))
		if err != nil {
			panic(err)
		}
		if err := merged.Merge(r); err != nil {
			panic(err)
		}
	}
	if err := planner.Reconcile(context.Background(), c, rec, merged, nil); err != nil {
		panic(err)
	}

	one, err := planner.Run(context.Background(), c, synth.Cases(cfg))
	if err != nil {
		panic(err)
	}
	fmt.Println(merged.Cases == one.Cases, merged.Accounts == one.Accounts, merged.Latency.P90 == one.Latency.P90)
	// Output: true true true
}
