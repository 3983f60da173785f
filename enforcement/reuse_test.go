package enforcement_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// reuseCases draws a seeded campaign for the reuse test: synthetic groups
// of random sizes, accounts shared between groups, and in some groups acts
// of many members (more actors than a plan lists before it takes a map),
// some confirmed by a reviewer and some rejected, in random order.
func reuseCases(seed uint64) []enforcement.GroupCase {
	rng := rand.New(rand.NewPCG(seed, 0x72657573))
	cfg := synth.Config{Seed: seed, Groups: 50, FocusShare: rng.Float64(), MinMembers: 1 + rng.IntN(4), MaxMembers: 8 + rng.IntN(70),
		Shared: 0.2, Pool: 40}
	cases := slices.Collect(synth.Cases(cfg))
	for k := range cases {
		gc := &cases[k]
		if rng.IntN(3) > 0 {
			continue
		}
		gc.Now = synth.Start.Add(time.Duration(24+rng.IntN(500)) * time.Hour)
		vs := slices.Clone(gc.Violations)
		share := 1 + rng.IntN(3)
		for i, m := range gc.Members {
			if i%share != 0 {
				continue
			}
			v := policy.Violation{ID: fmt.Sprintf("v-%d-%s", k, m.Account.ID), Category: []string{"spam", "harassment", "csam", "fraud"}[rng.IntN(4)],
				Severity: policy.Severity(1 + rng.IntN(4)), Actor: m.Account.ID, Group: gc.Group.ID, Detected: gc.Now.Add(-2 * time.Hour)}
			// Evidence from none to a hash match, so that some members
			// are penalised, some held and some only told of their acts.
			switch rng.IntN(4) {
			case 0:
				v.Evidence.Identifications = []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1, At: gc.Now.Add(-2 * time.Hour)}}
			case 1:
				v.Evidence.Identifications = []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.3 + 0.7*rng.Float64(), At: gc.Now.Add(-2 * time.Hour)}}
			case 2:
				v.Evidence.Reports = []policy.Report{{Source: policy.Source(1 + rng.IntN(2)), At: gc.Now.Add(-3 * time.Hour)}}
			}
			switch rng.IntN(3) {
			case 0:
				v.Reviews = []policy.Review{{Reviewer: "r", Verdict: policy.VerdictConfirmed, At: gc.Now.Add(-time.Hour)}}
			case 1:
				v.Reviews = []policy.Review{{Reviewer: "r", Verdict: policy.VerdictRejected, At: gc.Now.Add(-time.Hour)}}
			}
			vs = append(vs, v)
		}
		rng.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		gc.Violations = vs
	}
	rng.Shuffle(len(cases), func(i, j int) { cases[i], cases[j] = cases[j], cases[i] })
	return cases
}

// A campaign reuses, from case to case, its workers' scratch space and
// its slots' plans (notices and actions written in place, the room of the
// undo actions, the keys' buffer, the list of actors), and its measures
// share their cases' holdings and violations. Over seeded random
// campaigns, with one worker and with two, every group part and its
// measures are exactly those Plan and SplitPlan give the case alone, every
// account plan is the one ReconcileAccount gives the measures of SplitPlan,
// and the clones the callback keeps stay as they were when it took them
// while the campaign goes on.
//
// It runs under the default policy, which penalises every actor, and under
// one whose rules fail for the owner and the group, whose decisions are
// then held, and which penalises nobody else: group parts then tell
// members of their acts.
func TestReuseNeverLeaksOnePlanIntoAnother(t *testing.T) {
	failing, err := policy.Compile("failing.yaml", []byte(failingPolicy))
	require.NoError(t, err)
	for _, engine := range []*policy.Engine{policy.Default(), failing} {
		t.Run(engine.Policy().Name, func(t *testing.T) { testReuse(t, engine) })
	}
}

// onlyCSAM rewrites every category of the cases to csam, the one category
// of the failing policy.
func onlyCSAM(cases []enforcement.GroupCase) []enforcement.GroupCase {
	out := slices.Clone(cases)
	for k := range out {
		gc := &out[k]
		gc.Violations = slices.Clone(gc.Violations)
		for i := range gc.Violations {
			gc.Violations[i].Category = "csam"
		}
		gc.Group.History = csamHistory(gc.Group.History)
		gc.Members = slices.Clone(gc.Members)
		for i := range gc.Members {
			gc.Members[i].Account.History = csamHistory(gc.Members[i].Account.History)
		}
	}
	return out
}

func csamHistory(rs []policy.Record) []policy.Record {
	rs = slices.Clone(rs)
	for i := range rs {
		rs[i].Category = "csam"
	}
	return rs
}

func testReuse(t *testing.T, engine *policy.Engine) {
	planner := enforcement.NewPlanner(engine)
	failing := engine.Policy().Name == "failing"
	c := enforcement.Campaign{Name: "reuse"}
	ctx := context.Background()
	asJSON := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	for seed := range uint64(6) {
		cases := reuseCases(seed)
		if failing {
			cases = onlyCSAM(cases)
		}
		want := map[string]string{}
		byAccount := map[string][]enforcement.AccountMeasure{}
		actors := 0
		for _, gc := range cases {
			p, err := planner.Plan(ctx, gc)
			require.NoError(t, err)
			gp, ms := enforcement.SplitPlan(p)
			want[p.ID] = asJSON([]any{gp, ms})
			for _, m := range ms {
				byAccount[m.Account()] = append(byAccount[m.Account()], m)
			}
			seen := map[string]bool{}
			for _, v := range gc.Violations {
				seen[v.Actor] = true
			}
			actors = max(actors, len(seen))
		}
		require.Greater(t, actors, 8, "seed %d: some case has more actors than a plan lists", seed)
		wantAccounts := map[string]string{}
		for acct, ms := range byAccount {
			ap, err := planner.ReconcileAccount(c, ms)
			require.NoError(t, err)
			wantAccounts[acct] = asJSON(ap)
		}

		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("seed %d, %d workers", seed, workers)
			// Measures are handed on after their group part: record each
			// part with the measures that follow it.
			got := map[string]string{}
			var kept []*enforcement.Plan
			var then []string
			var last *enforcement.Plan
			var ms []enforcement.AccountMeasure
			flush := func() {
				if last != nil {
					got[last.ID] = asJSON([]any{last, ms})
				}
			}
			_, err := planner.Run(ctx, c, slices.Values(cases), enforcement.WithWorkers(workers),
				enforcement.WithMeasures(func(m enforcement.AccountMeasure) error { ms = append(ms, m); return nil }),
				enforcement.WithPlans(func(p *enforcement.Plan) error {
					flush()
					last, ms = p.Clone(), nil
					kept, then = append(kept, last), append(then, asJSON(p))
					return nil
				}))
			require.NoError(t, err, name)
			flush()
			require.Len(t, got, len(want), name)
			for id, w := range want {
				assert.Equal(t, w, got[id], "%s: plan %s", name, id)
			}
			told := 0
			for i, p := range kept {
				assert.Equal(t, then[i], asJSON(p), "%s: the clone of plan %s changed after the callback", name, p.ID)
				for _, n := range p.Notices {
					if len(n.Acts)+len(n.UnderReview) > 0 {
						told++
					}
				}
			}
			if failing {
				assert.Positive(t, told, "%s: group parts tell members of their acts", name)
			}

			gotAccounts := map[string]string{}
			_, err = planner.Run(ctx, c, slices.Values(cases), enforcement.WithWorkers(workers),
				enforcement.WithAccountPlans(func(ap *enforcement.AccountPlan) error {
					gotAccounts[ap.Account] = asJSON(ap)
					return nil
				}))
			require.NoError(t, err, name)
			assert.Equal(t, wantAccounts, gotAccounts, name)
		}
	}
}

// A clone owns its undo actions: changing them changes neither the plan
// it was cloned from nor another clone.
func TestCloneOwnsItsUndos(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups, cfg.FocusShare = 20, 1
	undos := 0
	for gc := range synth.Cases(cfg) {
		p, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		before := string(planJSON(t, p))
		c1, c2 := p.Clone(), p.Clone()
		for i := range c1.Actions {
			if u := c1.Actions[i].Undo; u != nil {
				undos++
				require.NotSame(t, p.Actions[i].Undo, u)
				require.NotSame(t, c2.Actions[i].Undo, u)
				assert.Equal(t, *p.Actions[i].Undo, *u)
				u.Key, u.Subject = "changed", "changed"
			}
		}
		assert.Equal(t, before, string(planJSON(t, p)))
		assert.Equal(t, before, string(planJSON(t, c2)))
	}
	assert.Positive(t, undos)
}
