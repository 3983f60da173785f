package enforcement_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/internal/seeds"
	"github.com/groupwarden/warden/policy"
)

// planSeeds returns the group cases of testdata/plans and the campaign
// sample, as JSON.
func planSeeds(f *testing.F) [][]byte {
	f.Helper()
	out, err := seeds.GroupCases("../testdata")
	require.NoError(f, err)
	return out
}

// decodeGroupCase reads a fuzzed group case, small enough to plan fast.
func decodeGroupCase(data []byte) (enforcement.GroupCase, bool) {
	var gc enforcement.GroupCase
	if json.Unmarshal(data, &gc) != nil || len(gc.Members) > 100 || len(gc.Violations) > 20 {
		return gc, false
	}
	return gc, true
}

// FuzzPlan plans group cases on the default policy, seeded with the group
// cases of testdata/plans and the campaign sample. An error means no plan
// and is a malformed case; a plan keeps what checkPlan asks (ordered
// actions with unique keys derived from the plan, undo where one is due,
// every penalised account told, the blast radius); planning twice gives a
// byte-identical plan, and a clone is the same plan; its decisions are the
// ones DecideGroup gives, and no ordinary member is penalised for a
// violation someone else committed, nor anyone above a warning without a
// verified violation.
func FuzzPlan(f *testing.F) {
	for _, s := range planSeeds(f) {
		f.Add(s)
	}
	engine := policy.Default()
	planner := enforcement.NewPlanner(engine)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		gc, ok := decodeGroupCase(data)
		if !ok {
			return
		}
		plan, err := planner.Plan(ctx, gc)
		if err != nil {
			require.Nil(t, plan, "an error means no plan")
			require.ErrorIs(t, err, policy.ErrInvalidCase)
			return
		}
		checkPlan(t, engine, gc, plan)
		first := planJSON(t, plan)
		again, err := planner.Plan(ctx, gc)
		require.NoError(t, err)
		require.Equal(t, string(first), string(planJSON(t, again)), "planning twice gives the same plan")
		require.Equal(t, string(first), string(planJSON(t, plan.Clone())), "a clone is the same plan")

		ds, err := engine.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		require.Equal(t, ds[0], plan.GroupDecision)
		violations := map[string]policy.Violation{}
		for _, v := range gc.Violations {
			violations[v.ID] = v
		}
		for _, d := range plan.Decisions {
			require.Contains(t, ds, d, "a decision of the plan is one DecideGroup gives")
			v, ok := violations[d.Violation]
			require.True(t, ok, "decision for %s names violation %q of no case", d.Subject, d.Violation)
			if !d.Role.Leads() {
				require.Equal(t, d.Subject, v.Actor, "member %s penalised for %s's act", d.Subject, v.Actor)
			}
			if d.Penalty.Level() > policy.PenaltyWarn.Level() {
				require.True(t, v.VerifiedAt(gc.Now), "%s gets %s without a verified violation", d.Subject, d.Penalty)
			}
		}
	})
}

// faults decides from bytes which calls of an executor's hook fail: call
// n fails when bit n of the bytes is set.
type faults []byte

func (f faults) fail(n int) bool { return n/8 < len(f) && f[n/8]&(1<<(n%8)) != 0 }

var errInjected = errors.New("injected fault")

// FuzzApply applies plans of the fuzzed group cases through the in-memory
// executor while its hooks fail the calls the fault bytes pick, before an
// action takes effect or after (a lost acknowledgement), and retries until
// Apply succeeds. A plan over the blast radius is refused, with nothing
// done, until approved. In the end every action took effect exactly once,
// in the plan's order, whatever failed on the way; a run that fails did
// not skip past its failure; and applying the finished plan again does
// nothing and skips every action.
func FuzzApply(f *testing.F) {
	for i, s := range planSeeds(f) {
		f.Add(s, []byte{}, []byte{})
		f.Add(s, []byte{byte(1 << (i % 8))}, []byte{0xff >> (i % 8)})
	}
	planner := enforcement.NewPlanner(policy.Default())
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data, before, after []byte) {
		gc, ok := decodeGroupCase(data)
		if !ok || len(before)+len(after) > 64 {
			return
		}
		plan, err := planner.Plan(ctx, gc)
		if err != nil {
			return
		}
		var calls, afterCalls int
		ex := &enforcementtest.Executor{
			FailBefore: func(enforcement.Action) error {
				calls++
				if faults(before).fail(calls - 1) {
					return errInjected
				}
				return nil
			},
			FailAfter: func(enforcement.Action) error {
				afterCalls++
				if faults(after).fail(afterCalls - 1) {
					return errInjected
				}
				return nil
			},
		}
		if plan.NeedsSecondApproval {
			_, err := enforcement.Apply(ctx, plan, ex)
			require.ErrorIs(t, err, enforcement.ErrNeedsApproval)
			require.Empty(t, ex.Log(), "a plan that needs approval does nothing")
			require.NoError(t, plan.Approve("second-approver"))
		}
		budget := len(plan.Actions) + 8*(len(before)+len(after)) + 1
		for attempt := 0; ; attempt++ {
			require.Less(t, attempt, budget, "Apply does not finish")
			done := len(ex.Log())
			_, err := enforcement.Apply(ctx, plan, ex)
			log := ex.Log()
			for i, a := range log {
				require.Equal(t, plan.Actions[i].Key, a.Key, "action %d took effect out of order", i+1)
			}
			if err == nil {
				break
			}
			require.ErrorIs(t, err, errInjected)
			require.GreaterOrEqual(t, len(log), done, "a failed run undid nothing")
		}
		log := ex.Log()
		require.Len(t, log, len(plan.Actions), "each action takes effect once")
		pr, err := enforcement.Apply(ctx, plan, ex)
		require.NoError(t, err)
		require.Equal(t, enforcement.Progress{Skipped: len(plan.Actions)}, pr, "a finished plan applied again does nothing")
		require.Len(t, ex.Log(), len(plan.Actions))
	})
}
