package enforcement_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// raised runs f and returns what it panicked with, nil if it did not.
func raised(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// settles waits for the goroutines to come back to n, as the run's own
// return after it raised.
func settles(t *testing.T, n int) {
	t.Helper()
	for range 5000 {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines, %d before the run:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
}

// A panic on a goroutine of a campaign's is raised again on the caller's,
// where a recover sees it, as a *GoroutinePanic holding the value and its
// stack: a source that panics after 0, 1, 9 or 30 cases, planning that
// panics at a case, a worker of Reconcile that panics at an account; with
// 1 and 3 workers. What was delivered is a prefix of the plans in order,
// the run's goroutines return, and the same planner then runs the same
// campaign to the same report as a fresh one.
func TestRunRaisesAPanicOfItsGoroutinesOnTheCaller(t *testing.T) {
	cases := slices.Collect(synth.Cases(smallCampaign(40)))
	fresh, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), campaign2017, slices.Values(cases))
	require.NoError(t, err)
	var order []string
	for _, gc := range cases {
		if campaign2017.InWindow(gc.Now) {
			order = append(order, gc.Group.ID)
		}
	}
	broke := errors.New("broke")
	var reconciled atomic.Int64
	type trial struct {
		name      string
		source    iter.Seq[enforcement.GroupCase]
		plan      func(enforcement.GroupCase)
		reconcile func(string)
	}
	var trials []trial
	for _, k := range []int{0, 1, 9, 30} {
		trials = append(trials, trial{name: fmt.Sprintf("source after %d", k), source: func(yield func(enforcement.GroupCase) bool) {
			for _, gc := range cases[:k] {
				if !yield(gc) {
					return
				}
			}
			panic(broke)
		}})
	}
	at := order[17]
	trials = append(trials,
		trial{name: "planning", source: slices.Values(cases), plan: func(gc enforcement.GroupCase) {
			if gc.Group.ID == at {
				panic(broke)
			}
		}},
		trial{name: "reconciling", source: slices.Values(cases), reconcile: func(string) {
			if reconciled.Add(1) == 40 {
				panic(broke)
			}
		}})
	planner := enforcement.NewPlanner(policy.Default())
	for _, tr := range trials {
		for _, workers := range []int{1, 3} {
			name := fmt.Sprintf("%s, %d workers", tr.name, workers)
			before := runtime.NumGoroutine()
			reconciled.Store(0)
			reset := enforcement.SetTestHooks(tr.plan, tr.reconcile)
			seen := []string{}
			v := raised(func() {
				_, _ = planner.Run(context.Background(), campaign2017, tr.source, enforcement.WithWorkers(workers),
					enforcement.WithPlans(func(p *enforcement.Plan) error { seen = append(seen, p.Group); return nil }))
			})
			reset()
			require.IsType(t, &enforcement.GoroutinePanic{}, v, name)
			gp := v.(*enforcement.GoroutinePanic)
			assert.Equal(t, broke, gp.Value, name)
			assert.ErrorIs(t, gp, broke, name)
			assert.Contains(t, gp.Error(), "broke", name)
			assert.NotEmpty(t, gp.Stack, name)
			require.LessOrEqual(t, len(seen), len(order), name)
			assert.Equal(t, order[:len(seen)], seen, "%s: a prefix of the plans, in order", name)
			if tr.plan != nil {
				assert.NotContains(t, seen, at, "%s: nothing from the case that panicked on", name)
			}
			settles(t, before)
		}
	}
	again, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithWorkers(3))
	require.NoError(t, err)
	assert.Equal(t, fresh, again, "the planner is whole after the panics")
}
