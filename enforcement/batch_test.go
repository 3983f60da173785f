package enforcement_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// A source that gives the next case only once the plan of the one before
// is delivered (a stream that waits for acknowledgements) is never kept
// waiting for a batch of cases to fill: the run ends, with every case
// planned, in the order given.
func TestCampaignServesASourceThatWaitsForItsPlans(t *testing.T) {
	cases := slices.Collect(synth.Cases(smallCampaign(40)))
	for _, workers := range []int{1, 2, 5} {
		delivered := make(chan string, len(cases))
		seq := func(yield func(enforcement.GroupCase) bool) {
			for i, gc := range cases {
				if i > 0 && campaign2017.InWindow(cases[i-1].Now) {
					select {
					case <-delivered:
					case <-time.After(10 * time.Second):
						t.Errorf("%d workers: the plan of case %d never came", workers, i)
						return
					}
				}
				if !yield(gc) {
					return
				}
			}
		}
		var groups []string
		r, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), campaign2017, seq, enforcement.WithWorkers(workers),
			enforcement.WithPlans(func(p *enforcement.Plan) error {
				groups = append(groups, p.Group)
				delivered <- p.Group
				return nil
			}))
		require.NoError(t, err)
		var want []string
		for _, gc := range cases {
			if campaign2017.InWindow(gc.Now) {
				want = append(want, gc.Group.ID)
			}
		}
		assert.Equal(t, want, groups, "%d workers", workers)
		assert.Equal(t, len(cases), r.Cases+r.Skipped)
	}
}

// Wherever a run stops, at a malformed case or when its callback says so,
// every case before it is delivered once, in order, and none after it:
// at the first case, the last, and around every multiple of the batch
// size. Batches form as the cases come, so where their bounds fall varies
// from run to run; how a batch is gathered is tested apart
// (TestBatchGathersWhatWaitsAndNoMore).
func TestCampaignStopsExactlyWhereItIsTold(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	base := slices.Collect(synth.Cases(smallCampaign(45)))
	stopped := errors.New("the callback stops the run")
	for _, at := range []int{1, 2, 7, 8, 9, 16, 17, 24, 31, 32, 33, 40, 44, 45} {
		for _, workers := range []int{1, 3} {
			for _, how := range []string{"malformed", "callback"} {
				name := fmt.Sprintf("case %d, %d workers, %s", at, workers, how)
				cases := slices.Clone(base)
				inWindow := 0
				for _, gc := range cases[:at] {
					if campaign2017.InWindow(gc.Now) {
						inWindow++
					}
				}
				if how == "callback" && !campaign2017.InWindow(cases[at-1].Now) {
					// A case outside the window has no plan to stop at.
					continue
				}
				if how == "malformed" {
					cases[at-1].Now = synth.Start.Add(time.Hour) // in the window, so it is planned
					cases[at-1].Members = append(slices.Clone(cases[at-1].Members), cases[at-1].Members[0])
				}
				var seen []string
				r, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithWorkers(workers),
					enforcement.WithPlans(func(p *enforcement.Plan) error {
						seen = append(seen, p.Group)
						if how == "callback" && p.Group == cases[at-1].Group.ID {
							return stopped
						}
						return nil
					}))
				require.Error(t, err, name)
				require.NotNil(t, r, name)
				var want []string
				for _, gc := range cases[:at-1] {
					if campaign2017.InWindow(gc.Now) {
						want = append(want, gc.Group.ID)
					}
				}
				if how == "malformed" {
					require.ErrorIs(t, err, enforcement.ErrInvalidGroupCase, name)
					assert.ErrorContains(t, err, fmt.Sprintf("case %d (group %s)", at, cases[at-1].Group.ID), name)
					assert.Equal(t, at-1, r.Cases+r.Skipped, name)
				} else {
					require.ErrorIs(t, err, stopped, name)
					want = append(want, cases[at-1].Group.ID)
					assert.Equal(t, inWindow-1, r.Cases, name, "the plan the callback refused does not count")
				}
				assert.Equal(t, want, seen, name)
			}
		}
	}
}

// A callback may do what it likes with the plan it is handed, within the
// call: drop or append to its lists, shorten them. The run goes on, and
// the slots' reuse of the plans' room is unharmed: every plan delivered is
// the one a run whose callback touched nothing delivers.
func TestCampaignSurvivesACallbackThatRewritesItsPlans(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cases := slices.Collect(synth.Cases(smallCampaign(300)))
	plans := func(rewrite func(*enforcement.Plan)) []string {
		var out []string
		_, err := planner.Run(context.Background(), campaign2017, slices.Values(cases), enforcement.WithWorkers(2),
			enforcement.WithPlans(func(p *enforcement.Plan) error {
				b, err := json.Marshal(p)
				out = append(out, string(b))
				rewrite(p)
				return err
			}))
		require.NoError(t, err)
		return out
	}
	want := plans(func(*enforcement.Plan) {})
	require.NotEmpty(t, want)
	rewrites := []func(*enforcement.Plan){
		func(p *enforcement.Plan) {
			p.Decisions, p.Held, p.Actions, p.Notices, p.Spared = nil, nil, nil, nil, nil
		},
		func(p *enforcement.Plan) {
			p.Decisions = append(p.Decisions, make([]policy.Decision, 40)...)
			p.Held = p.Held[:0]
			p.Actions = append(p.Actions, enforcement.Action{Key: "extra"})
		},
		func(p *enforcement.Plan) { p.Decisions = p.Decisions[:0:0] },
	}
	for i, rewrite := range rewrites {
		assert.Equal(t, want, plans(rewrite), "rewrite %d", i)
	}
}
