package enforcement_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

var errFlaky = errors.New("flaky executor")

// TestApplyExactlyOnceUnderRandomFailures is the property of Apply: an
// executor that fails at random points (before an action takes effect, or
// after, with the acknowledgement lost), retried until done, ends with
// every action of the plan applied exactly once, in order.
func TestApplyExactlyOnceUnderRandomFailures(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 300
	seed := uint64(0)
	for gc := range synth.Cases(cfg) {
		seed++
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		if plan.NeedsSecondApproval {
			require.NoError(t, plan.Approve("second-approver"))
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		failRate := rng.Float64() * 0.5
		ex := &enforcementtest.Executor{
			FailBefore: func(enforcement.Action) error {
				if rng.Float64() < failRate {
					return errFlaky
				}
				return nil
			},
			FailAfter: func(enforcement.Action) error {
				if rng.Float64() < failRate {
					return errFlaky
				}
				return nil
			},
		}
		tries := 0
		for {
			tries++
			require.Less(t, tries, 10000, "plan %s never finished", plan.ID)
			_, err := enforcement.Apply(context.Background(), plan, ex)
			if err == nil {
				break
			}
			require.ErrorIs(t, err, errFlaky)
		}
		log := ex.Log()
		require.Len(t, log, len(plan.Actions), "plan %s: every action exactly once", plan.ID)
		for i, a := range log {
			require.Equal(t, plan.Actions[i].Key, a.Key, "plan %s: in order", plan.ID)
		}
		// Applying a finished plan again does nothing.
		pr, err := enforcement.Apply(context.Background(), plan, ex)
		require.NoError(t, err)
		assert.Equal(t, enforcement.Progress{Skipped: len(plan.Actions)}, pr)
		assert.Len(t, ex.Log(), len(plan.Actions))
	}
}

func TestApplyStopsOnCancelledContext(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ex := &enforcementtest.Executor{FailAfter: func(a enforcement.Action) error {
		if a.Seq == 3 {
			cancel()
		}
		return nil
	}}
	pr, err := enforcement.Apply(ctx, plan, ex)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, pr.Applied)
	pr, err = enforcement.Apply(context.Background(), plan, ex)
	require.NoError(t, err)
	assert.Equal(t, enforcement.Progress{Applied: len(plan.Actions) - 3, Skipped: 3}, pr)
}

// lockedRand is a seeded source the hooks of racing runs share.
type lockedRand struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (r *lockedRand) float() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Float64()
}

// TestRacingApplyRunsApplyEachKeyOnce runs two Apply runs of the same plan
// at once, each retried after random failures until it finishes: every
// action takes effect exactly once, in many trials.
func TestRacingApplyRunsApplyEachKeyOnce(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 60
	trial := uint64(0)
	for gc := range synth.Cases(cfg) {
		trial++
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		if plan.NeedsSecondApproval {
			require.NoError(t, plan.Approve("second-approver"))
		}
		rng := &lockedRand{rng: rand.New(rand.NewPCG(trial, 7))}
		failRate := 0.2 * rng.float()
		fail := func(enforcement.Action) error {
			if rng.float() < failRate {
				return errFlaky
			}
			runtime.Gosched() // let the other run in between
			return nil
		}
		ex := &enforcementtest.Executor{FailBefore: fail, FailAfter: fail}
		var wg sync.WaitGroup
		progress := make([]enforcement.Progress, 2)
		for run := range 2 {
			wg.Go(func() {
				for {
					pr, err := enforcement.Apply(context.Background(), plan, ex)
					progress[run].Applied += pr.Applied
					if err == nil {
						return
					}
					if !assert.ErrorIs(t, err, errFlaky) {
						return
					}
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, a := range ex.Log() {
			seen[a.Key]++
		}
		for _, a := range plan.Actions {
			require.Equal(t, 1, seen[a.Key], "plan %s: action %s applied once", plan.ID, a.Key)
		}
		require.Len(t, ex.Log(), len(plan.Actions))
		// A run that lost its acknowledgement does not count the action as
		// applied, so the two runs together count at most every action.
		assert.LessOrEqual(t, progress[0].Applied+progress[1].Applied, len(plan.Actions))
	}
}
