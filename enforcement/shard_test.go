package enforcement_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

func platformCases(groups int) []enforcement.GroupCase {
	cfg := synth.Platform()
	cfg.Groups, cfg.Pool = groups, max(1, groups/8)
	return slices.Collect(synth.Cases(cfg))
}

// outcome is everything a run delivers, as JSON: the report, and every
// plan by id.
type outcome struct {
	report string
	plans  map[string]string
}

func record(t *testing.T, o *outcome) []enforcement.RunOption {
	o.plans = map[string]string{}
	keep := func(id string, v any) error {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		require.NotContains(t, o.plans, id, "a plan delivered twice")
		o.plans[id] = string(b)
		return nil
	}
	return []enforcement.RunOption{
		enforcement.WithPlans(func(p *enforcement.Plan) error { return keep(p.ID, p) }),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error { return keep(a.ID, a) }),
	}
}

func reportJSON(t *testing.T, r *enforcement.Report) string {
	b, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	return string(b)
}

func oneRun(t *testing.T, planner *enforcement.Planner, cases []enforcement.GroupCase) outcome {
	var o outcome
	r, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), record(t, &o)...)
	require.NoError(t, err)
	o.report = reportJSON(t, r)
	return o
}

// A campaign split into shards at random, each run alone, its reports
// merged in any order and its accounts reconciled once, delivers the plans
// and the report of one run, byte for byte.
func TestRandomShardingsMergeIntoOneRun(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cases := platformCases(500)
	want := oneRun(t, planner, cases)
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 12))
		n := 1 + rng.IntN(7)
		shards := make([][]enforcement.GroupCase, n)
		for _, gc := range cases {
			k := rng.IntN(n)
			shards[k] = append(shards[k], gc)
		}
		var got outcome
		opts := record(t, &got)
		rec := enforcement.NewReconciler()
		var reports []*enforcement.Report
		for _, shard := range shards {
			r, err := planner.Run(context.Background(), campaign2017, slices.Values(shard), opts[0], enforcement.WithMeasures(rec.Add))
			require.NoError(t, err)
			reports = append(reports, r)
		}
		rng.Shuffle(n, func(i, j int) { reports[i], reports[j] = reports[j], reports[i] })
		merged := enforcement.NewReport(campaign2017, policy.Default())
		for _, r := range reports {
			// Each report survives storage before it is merged.
			var back enforcement.Report
			require.NoError(t, json.Unmarshal([]byte(reportJSON(t, r)), &back))
			require.NoError(t, merged.Merge(&back))
		}
		require.NoError(t, planner.Reconcile(context.Background(), campaign2017, rec, merged, func(a *enforcement.AccountPlan) error {
			b, err := json.Marshal(a)
			require.NoError(t, err)
			got.plans[a.ID] = string(b)
			return nil
		}))
		assert.Equal(t, want.report, reportJSON(t, merged), "seed %d, %d shards", seed, n)
		assert.Equal(t, want.plans, got.plans, "seed %d, %d shards", seed, n)
	}
}

// WithShard splits by the group's hash: the N shards cover every case
// once.
func TestShardsCoverEveryCaseOnce(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cases := platformCases(300)
	want := oneRun(t, planner, cases)
	rec := enforcement.NewReconciler()
	merged := enforcement.NewReport(campaign2017, policy.Default())
	groups := map[string]int{}
	for k := range 3 {
		r, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithShard(k, 3), enforcement.WithMeasures(rec.Add),
			enforcement.WithPlans(func(p *enforcement.Plan) error {
				groups[p.Group]++
				assert.Equal(t, k, enforcement.ShardOf(p.Group, 3))
				return nil
			}))
		require.NoError(t, err)
		assert.Positive(t, r.Cases, "shard %d", k)
		require.NoError(t, merged.Merge(r))
	}
	require.NoError(t, planner.Reconcile(context.Background(), campaign2017, rec, merged, nil))
	assert.Equal(t, want.report, reportJSON(t, merged))
	for g, n := range groups {
		assert.Equal(t, 1, n, g)
	}

	_, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithShard(3, 3))
	assert.ErrorContains(t, err, "shard 3 of 3 does not exist")
	other := enforcement.NewReport(enforcement.Campaign{Name: "another"}, policy.Default())
	before := reportJSON(t, merged)
	assert.ErrorContains(t, merged.Merge(other), "campaign another")
	assert.Equal(t, before, reportJSON(t, merged), "a refused merge changes nothing")
}

// A run cancelled half-way returns the partial report of what it
// delivered, an error naming the cause, and a checkpoint; resumed from the
// stored checkpoint, it plans every remaining case once and ends with the
// report and plans of one run. Resuming twice from the same checkpoint
// gives the same result.
func TestResumeFromACheckpoint(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cases := platformCases(400)
	want := oneRun(t, planner, cases)

	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("the operator stopped the campaign")
	var stored []byte
	save := enforcement.WithCheckpoints(40, func(cp *enforcement.Checkpoint) error {
		b, err := json.Marshal(cp)
		stored = b
		return err
	})
	first := outcome{plans: map[string]string{}}
	delivered := 0
	keepFn := func(p *enforcement.Plan) error {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		first.plans[p.ID] = string(b)
		if delivered++; delivered == 130 {
			cancel(cause)
		}
		return nil
	}
	partial, err := planner.Run(ctx, campaign2017, slices.Values(cases), save, enforcement.WithPlans(keepFn))
	require.Error(t, err)
	assert.ErrorIs(t, err, cause, "the error names the cause")
	assert.NotContains(t, err.Error(), "group-", "not the case that happened to be next")
	require.NotNil(t, partial, "a stopped run returns its partial report")
	assert.GreaterOrEqual(t, partial.Cases, 130)
	assert.Less(t, partial.Cases, len(cases))
	assert.Zero(t, partial.Accounts.Banned, "accounts are reconciled at the end")

	var cp enforcement.Checkpoint
	require.NoError(t, json.Unmarshal(stored, &cp))
	assert.Equal(t, partial.Cases, cp.Report.Cases, "the last checkpoint is where the run stopped")
	assert.Positive(t, len(cp.Measures))

	resume := func() outcome {
		var cp enforcement.Checkpoint
		require.NoError(t, json.Unmarshal(stored, &cp))
		var rest outcome
		r, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), append(record(t, &rest), enforcement.WithResume(&cp))...)
		require.NoError(t, err)
		for id, p := range first.plans {
			require.NotContains(t, rest.plans, id, "a case planned before the checkpoint is not planned again")
			rest.plans[id] = p
		}
		rest.report = reportJSON(t, r)
		return rest
	}
	got := resume()
	assert.Equal(t, want.report, got.report)
	assert.Equal(t, want.plans, got.plans, "no case lost, none twice")
	assert.Equal(t, got, resume(), "resumed twice from the same checkpoint")

	_, err = planner.Run(context.Background(), enforcement.Campaign{Name: "another"}, slices.Values(cases), enforcement.WithResume(&cp))
	assert.ErrorContains(t, err, "cannot resume from a checkpoint of campaign test campaign")
}

// A malformed case stops the run with its position and group, and the
// partial report of the cases before it.
func TestMalformedCaseStopsWithPartialReport(t *testing.T) {
	cases := platformCases(60)
	bad := len(cases) / 2
	cases[bad].Members = append(cases[bad].Members, cases[bad].Members[0])
	r, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithWorkers(3))
	require.ErrorIs(t, err, enforcement.ErrInvalidGroupCase)
	assert.ErrorContains(t, err, "case 31 (group "+cases[bad].Group.ID+")")
	require.NotNil(t, r)
	assert.Equal(t, bad, r.Cases+r.Skipped)
}

// memoryExecutor applies each key once.
type memoryExecutor struct{ done map[string]int }

func (m *memoryExecutor) Done(_ context.Context, key string) (bool, error) {
	return m.done[key] > 0, nil
}
func (m *memoryExecutor) Apply(_ context.Context, a enforcement.Action) error {
	m.done[a.Key]++
	return nil
}

// The measures of an account, in any order, split in any way, with
// duplicates, reconcile into the same plan: the same keys, so the same
// account reached by two shards is banned once.
func TestReconcileAccountIsOrderFreeAndStable(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	byAccount := map[string][]enforcement.AccountMeasure{}
	for _, gc := range platformCases(600) {
		p, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		_, ms := enforcement.SplitPlan(p)
		for _, m := range ms {
			byAccount[m.Account()] = append(byAccount[m.Account()], m)
		}
	}
	several := 0
	rng := rand.New(rand.NewPCG(3, 4))
	ex := &memoryExecutor{done: map[string]int{}}
	for acct, ms := range byAccount {
		want, err := planner.ReconcileAccount(campaign2017, ms)
		require.NoError(t, err)
		wantJSON, _ := json.Marshal(want)
		if len(ms) < 2 {
			continue
		}
		several++
		shuffled := slices.Clone(ms)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		shuffled = append(shuffled, shuffled[0]) // applied twice
		got, err := planner.ReconcileAccount(campaign2017, shuffled)
		require.NoError(t, err)
		gotJSON, _ := json.Marshal(got)
		assert.JSONEq(t, string(wantJSON), string(gotJSON), acct)
		assert.Len(t, got.Grounds, len(ms), "every group behind the measure")
		assert.Len(t, got.Notices, 1, "one notice")

		// Two shards that each see some of the groups and reach the same
		// measure give the same keys: applied once.
		top := want.Grounds[want.Deciding]
		var a, b []enforcement.AccountMeasure
		for _, m := range ms {
			if m.Plan == top.Plan || rng.IntN(2) == 0 {
				a = append(a, m)
			} else {
				b = append(b, m)
			}
		}
		b = append(b, ms[slices.IndexFunc(ms, func(m enforcement.AccountMeasure) bool { return m.Plan == top.Plan })])
		pa, err := planner.ReconcileAccount(campaign2017, a)
		require.NoError(t, err)
		pb, err := planner.ReconcileAccount(campaign2017, b)
		require.NoError(t, err)
		assert.Equal(t, want.ID, pa.ID)
		assert.Equal(t, want.ID, pb.ID)
		pr, err := enforcement.Apply(context.Background(), &pa.Plan, ex)
		require.NoError(t, err)
		assert.Equal(t, len(pa.Actions), pr.Applied)
		pr, err = enforcement.Apply(context.Background(), &pb.Plan, ex)
		require.NoError(t, err)
		assert.Equal(t, enforcement.Progress{Skipped: len(pb.Actions)}, pr, "the other shard's plan is already applied")
	}
	require.Greater(t, several, 20, "the campaign reaches accounts through several groups")
	for key, n := range ex.done {
		assert.Equal(t, 1, n, key)
	}

	var one, two []enforcement.AccountMeasure
	for _, ms := range byAccount {
		if len(one) == 0 {
			one = ms
		} else if len(two) == 0 {
			two = ms
		}
	}
	_, err := planner.ReconcileAccount(campaign2017, append(slices.Clone(one), two...))
	assert.ErrorIs(t, err, enforcement.ErrInvalidMeasures)
	assert.Equal(t, enforcement.CodeOtherAccount, policy.CodeOf(err))
	path, _ := policy.PathOf(err)
	assert.Equal(t, policy.JoinPath(policy.IndexPath("measures", len(one)), "membership.account.id"), path)
	_, err = planner.ReconcileAccount(campaign2017, nil)
	assert.Equal(t, enforcement.CodeNoMeasures, policy.CodeOf(err))
	bad := slices.Clone(one)
	bad[0].Decision.Penalty = policy.PenaltyClose
	_, err = planner.ReconcileAccount(campaign2017, bad)
	assert.Equal(t, enforcement.CodeNotAccountPenalty, policy.CodeOf(err))
	other := slices.Clone(one)
	other[len(other)-1].Decision.Policy.Digest = "another"
	_, err = planner.ReconcileAccount(campaign2017, other)
	assert.Equal(t, enforcement.CodeOtherPolicy, policy.CodeOf(err))
	assert.ErrorContains(t, err, fmt.Sprintf("measures[%d].decision.policy.digest", len(other)-1))
}

// Reconcile hands account plans on in the order of the accounts, one at a
// time; an error from the callback or a cancelled context stops it at that
// account, having counted and handed on those before it only, and a
// measure that cannot be reconciled stops it at its account.
func TestReconcileStopsWhereItIsTold(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	rec := enforcement.NewReconciler()
	_, err := planner.Run(context.Background(), campaign2017, slices.Values(platformCases(1500)), enforcement.WithMeasures(rec.Add))
	require.NoError(t, err)
	require.Greater(t, rec.Accounts(), 200, "enough accounts to stop among")
	reconcile := func(each func(*enforcement.AccountPlan) error) ([]string, error) {
		report := enforcement.NewReport(campaign2017, policy.Default())
		var plans []string
		err := planner.Reconcile(context.Background(), campaign2017, rec, report, func(a *enforcement.AccountPlan) error {
			b, err := json.Marshal(a)
			require.NoError(t, err)
			plans = append(plans, string(b))
			if each != nil {
				return each(a)
			}
			return nil
		})
		return plans, err
	}
	want, err := reconcile(nil)
	require.NoError(t, err)
	require.Len(t, want, rec.Accounts())

	stop := errors.New("stop")
	for _, k := range []int{1, 31, 32, 33, 64, 65, 150, rec.Accounts()} {
		n := 0
		got, err := reconcile(func(*enforcement.AccountPlan) error {
			if n++; n == k {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop, "stopped at account %d", k)
		assert.Equal(t, want[:k], got, "the accounts before the stop, and the one that stopped it, in order")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	n := 0
	report := enforcement.NewReport(campaign2017, policy.Default())
	err = planner.Reconcile(ctx, campaign2017, rec, report, func(*enforcement.AccountPlan) error {
		if n++; n == 70 {
			cancel(stop)
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 70, n, "nothing handed on once the context ends")
	counted := report.Accounts.Banned + report.Accounts.Suspended + report.Accounts.Restricted + report.Accounts.Warned
	assert.Equal(t, 70, counted)
	// A context that has ended, or ends at the last account of a run of
	// them, stops it all the same, however far ahead the plans were built.
	for _, k := range []int{0, 32, 64} {
		for range 20 {
			ctx, cancel := context.WithCancelCause(context.Background())
			if k == 0 {
				cancel(stop)
			}
			n := 0
			err := planner.Reconcile(ctx, campaign2017, rec, enforcement.NewReport(campaign2017, policy.Default()), func(*enforcement.AccountPlan) error {
				if n++; n == k {
					cancel(stop)
				}
				return nil
			})
			require.ErrorIs(t, err, stop, "the context ended at account %d", k)
			require.Equal(t, k, n, "nothing handed on once the context ends")
		}
	}

	// A measure under another policy stops the reconciliation at its
	// account.
	bad := enforcement.NewReconciler()
	ms := rec.Measures()
	ms[len(ms)/2].Decision.Policy.Digest = "another"
	for _, m := range ms {
		require.NoError(t, bad.Add(m))
	}
	var seen []string
	err = planner.Reconcile(context.Background(), campaign2017, bad, enforcement.NewReport(campaign2017, policy.Default()), func(a *enforcement.AccountPlan) error {
		seen = append(seen, a.Account)
		return nil
	})
	assert.Equal(t, enforcement.CodeOtherPolicy, policy.CodeOf(err))
	require.NotEmpty(t, seen)
	assert.Less(t, seen[len(seen)-1], ms[len(ms)/2].Account(), "stopped at the account of the bad measure")
	assert.True(t, slices.IsSorted(seen))
}

// A run resumes with WithMeasures exactly when the checkpoint's did:
// resuming the other way would lose the measures before the checkpoint,
// those in the caller's store or those in the checkpoint. Resuming the
// same way hands on every measure once.
func TestResumeKeepsWhereTheMeasuresGo(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cases := platformCases(300)
	measureJSON := func(m enforcement.AccountMeasure) string {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	var all []string
	_, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithMeasures(func(m enforcement.AccountMeasure) error {
		all = append(all, measureJSON(m))
		return nil
	}))
	require.NoError(t, err)
	require.NotEmpty(t, all)

	stopAt := errors.New("stop")
	// checkpointOf runs until 100 plans are delivered and returns the last
	// checkpoint, read back from JSON, and the measures handed on.
	checkpointOf := func(handOn bool) (enforcement.Checkpoint, []string) {
		var stored []byte
		var got []string
		delivered := 0
		opts := []enforcement.RunOption{
			enforcement.WithCheckpoints(25, func(cp *enforcement.Checkpoint) error {
				var err error
				stored, err = json.Marshal(cp)
				return err
			}),
			enforcement.WithPlans(func(*enforcement.Plan) error {
				if delivered++; delivered == 100 {
					return stopAt
				}
				return nil
			}),
		}
		if handOn {
			opts = append(opts, enforcement.WithMeasures(func(m enforcement.AccountMeasure) error {
				got = append(got, measureJSON(m))
				return nil
			}))
		}
		_, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), opts...)
		require.ErrorIs(t, err, stopAt)
		var cp enforcement.Checkpoint
		require.NoError(t, json.Unmarshal(stored, &cp))
		return cp, got
	}
	resume := func(cp enforcement.Checkpoint, handOn func(enforcement.AccountMeasure) error) (int, error) {
		delivered := 0
		opts := []enforcement.RunOption{enforcement.WithResume(&cp), enforcement.WithPlans(func(*enforcement.Plan) error {
			delivered++
			return nil
		})}
		if handOn != nil {
			opts = append(opts, enforcement.WithMeasures(handOn))
		}
		_, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), opts...)
		return delivered, err
	}

	handed, before := checkpointOf(true)
	assert.True(t, handed.HandedOn)
	assert.Empty(t, handed.Measures)
	require.NotEmpty(t, before)
	n, err := resume(handed, nil)
	assert.ErrorContains(t, err, "cannot resume without WithMeasures")
	assert.Zero(t, n, "nothing delivered")
	n, err = resume(handed, func(m enforcement.AccountMeasure) error {
		before = append(before, measureJSON(m))
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, n)
	assert.ElementsMatch(t, all, before, "every measure handed on once, across the stop")

	kept, _ := checkpointOf(false)
	assert.False(t, kept.HandedOn)
	require.NotEmpty(t, kept.Measures)
	n, err = resume(kept, func(enforcement.AccountMeasure) error { return nil })
	assert.ErrorContains(t, err, "cannot resume with WithMeasures from a checkpoint that holds")
	assert.Zero(t, n, "nothing delivered")
}
