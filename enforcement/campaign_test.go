package enforcement_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

var campaign2017 = enforcement.Campaign{Name: "test campaign", From: synth.Start, To: synth.End, Focus: synth.Focus}

func smallCampaign(groups int) synth.Config {
	cfg := synth.Default
	cfg.Groups = groups
	return cfg
}

// TestCampaignReportCountsEveryPlan recounts the report from the plans
// themselves, one by one: the slow, obvious reference. The campaign shares
// accounts between groups, so an account is counted once, by its heaviest
// decision in any group.
func TestCampaignReportCountsEveryPlan(t *testing.T) {
	cfg := synth.Platform()
	cfg.Groups = 600
	planner := enforcement.NewPlanner(policy.Default())
	var groupParts []*enforcement.Plan
	var accountPlans []*enforcement.AccountPlan
	report, err := planner.Run(context.Background(), campaign2017, synth.Cases(cfg),
		enforcement.WithPlans(func(p *enforcement.Plan) error {
			groupParts = append(groupParts, p.Clone())
			return nil
		}),
		enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error {
			accountPlans = append(accountPlans, a)
			return nil
		}))
	require.NoError(t, err)
	require.Equal(t, len(groupParts), report.Cases)
	assert.Equal(t, 600, report.Cases+report.Skipped)
	assert.Positive(t, report.Skipped, "the generator puts some cases outside the window")

	// The reference: every case planned alone, the heaviest decision per account.
	heaviest := map[string]policy.Decision{}
	reached := map[string]int{}
	var groups enforcement.GroupTally
	var focus, other enforcement.Totals
	isFocus := func(cat string) bool { return slices.Contains(synth.Focus, cat) }
	spared := 0
	for gc := range synth.Cases(cfg) {
		if gc.Now.Before(campaign2017.From) || !gc.Now.Before(campaign2017.To) {
			continue
		}
		p, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		switch p.GroupDecision.Penalty {
		case policy.PenaltyClose:
			groups.Closed++
			if isFocus(p.GroupDecision.Category) {
				focus.GroupsClosed++
			} else {
				other.GroupsClosed++
			}
		case policy.PenaltyRestrict:
			groups.Restricted++
		}
		spared += len(p.Spared)
		for _, d := range p.Decisions {
			reached[d.Subject]++
			h, ok := heaviest[d.Subject]
			if !ok || d.Penalty.Level() > h.Penalty.Level() || d.Penalty.Level() == h.Penalty.Level() && d.Duration > h.Duration {
				heaviest[d.Subject] = d
			}
		}
	}
	var accounts enforcement.AccountTally
	frozen := map[string]int64{}
	shared := 0
	for acct, d := range heaviest {
		if reached[acct] > 1 {
			shared++
		}
		if d.Penalty == policy.PenaltyBan {
			accounts.Banned++
			if isFocus(d.Category) {
				focus.AccountsBanned++
			} else {
				other.AccountsBanned++
			}
		}
	}
	require.Greater(t, shared, 10, "the campaign reaches some accounts through several groups")
	require.Len(t, accountPlans, len(heaviest), "one plan per penalised account")
	for _, ap := range accountPlans {
		want := heaviest[ap.Account]
		require.Len(t, ap.Decisions, 1)
		assert.Equal(t, want.Penalty, ap.Decisions[0].Penalty, ap.Account)
		assert.Equal(t, want.Duration, ap.Decisions[0].Duration, ap.Account)
		assert.Len(t, ap.Grounds, reached[ap.Account], "every group behind the measure is listed")
		assert.Len(t, ap.Notices, 1)
		for _, a := range ap.Actions {
			if a.Kind == enforcement.FreezeFunds {
				frozen[ap.Account]++
				require.Len(t, a.Holdings, 1, "one freeze per holding")
			}
		}
	}
	for _, p := range groupParts {
		assert.Empty(t, p.Decisions, "the group part leaves the accounts to their plans")
		for _, a := range p.Actions {
			assert.NotEqual(t, enforcement.FreezeFunds, a.Kind)
			assert.NotEqual(t, enforcement.BanAccount, a.Kind)
		}
	}
	assert.Equal(t, groups.Closed, report.Groups.Closed)
	assert.Equal(t, groups.Restricted, report.Groups.Restricted)
	assert.Equal(t, accounts.Banned, report.Accounts.Banned)
	assert.Equal(t, spared, report.Accounts.Spared)
	assert.Equal(t, focus, report.Focus)
	assert.Equal(t, other, report.Other)
	require.Len(t, report.FundsFrozen, 1)
	assert.Positive(t, report.FundsFrozen[0].Amount)

	byCat := enforcement.GroupTally{}
	for _, c := range report.ByCategory {
		byCat.Closed += c.Groups.Closed
	}
	assert.Equal(t, report.Groups.Closed, byCat.Closed, "the categories add up to the total")
	roles := 0
	for _, r := range report.ByRole {
		roles += r.Accounts.Banned
	}
	assert.Equal(t, report.Accounts.Banned, roles, "the roles add up to the total")
	assert.Equal(t, report.Cases, report.Latency.Cases)
	assert.LessOrEqual(t, report.Latency.P50, report.Latency.P90)
	assert.LessOrEqual(t, report.Latency.P90, report.Latency.P99)
	assert.LessOrEqual(t, report.Latency.P99, report.Latency.Max)
}

// The 2017 figures come out of the policy run over the synthetic campaign.
func TestCampaignHasTheShapeOf2017(t *testing.T) {
	report, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), campaign2017, synth.Cases(synth.Default))
	require.NoError(t, err)
	assert.Greater(t, report.Focus.GroupsClosed, 600)
	assert.Greater(t, report.Focus.AccountsBanned, 500)
	assert.Greater(t, report.Other.GroupsClosed, 1500)
	assert.InDelta(t, 1300, report.Other.AccountsBanned, 150)
}

// The same input gives a byte-identical report, the same group plans and
// the same account plans in the same order, whatever the number of workers
// that plan the groups and reconcile the accounts.
func TestCampaignIsDeterministic(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	type run struct{ text, report, plans, accounts string }
	render := func(workers int) run {
		var plans, accounts strings.Builder
		r, err := planner.Run(context.Background(), campaign2017, synth.Cases(smallCampaign(700)), enforcement.WithWorkers(workers),
			enforcement.WithPlans(func(p *enforcement.Plan) error {
				b, err := json.Marshal(p)
				plans.Write(b)
				return err
			}),
			enforcement.WithAccountPlans(func(ap *enforcement.AccountPlan) error {
				b, err := json.Marshal(ap)
				accounts.Write(b)
				return err
			}))
		require.NoError(t, err)
		require.Greater(t, r.Accounts.Banned, 100, "accounts in many runs of the reconciliation")
		var text bytes.Buffer
		require.NoError(t, r.WriteText(&text))
		j, err := json.MarshalIndent(r, "", "  ")
		require.NoError(t, err)
		return run{text.String(), string(j), plans.String(), accounts.String()}
	}
	one := render(1)
	for _, workers := range []int{2, 3, 8} {
		assert.Equal(t, one, render(workers), "%d workers", workers)
	}
	assert.Contains(t, one.text, "Focus categories (csam, pii_trafficking)")
}

func TestCampaignStopsOnMalformedCase(t *testing.T) {
	cases := slices.Collect(synth.Cases(smallCampaign(20)))
	cases[7].Violations[0].Category = "no-such-category"
	_, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), enforcement.Campaign{Name: "broken"}, slices.Values(cases))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "case 8")
	assert.Contains(t, err.Error(), "no-such-category")
	assert.ErrorIs(t, err, policy.ErrInvalidCase)

	_, err = enforcement.NewPlanner(policy.Default()).Run(context.Background(), enforcement.Campaign{Name: "x", Focus: []string{"nope"}}, slices.Values([]enforcement.GroupCase(nil)))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), `"nope"`))
}

func TestShadowReportsEveryChangedDecision(t *testing.T) {
	live := policy.Default()
	src := strings.Replace(string(policy.DefaultSource()), "duration: 90d", "duration: 60d", 1)
	candidate, err := policy.Compile("candidate.yaml", []byte(src))
	require.NoError(t, err)

	cases := slices.Collect(synth.Cases(smallCampaign(300)))
	var changes []enforcement.Change
	r, err := enforcement.Shadow(context.Background(), live, candidate, slices.Values(cases), func(c enforcement.Change) error {
		changes = append(changes, c)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, changes)
	assert.Equal(t, len(changes), r.Changed)
	for _, c := range changes {
		// Only the leaders' 90-day suspension changed.
		assert.Equal(t, "focus-leader-suspend", c.Before.Rule)
		assert.Equal(t, policy.Duration(90*24*3600e9), c.Before.Duration)
		assert.Equal(t, policy.Duration(60*24*3600e9), c.After.Duration)
		assert.True(t, c.Role.Leads())
	}
	members := 0
	for _, gc := range cases {
		members += len(gc.Members) + 1
	}
	assert.Equal(t, members, r.Decisions)
	require.Len(t, r.Transitions, 1)
	assert.Equal(t, enforcement.Transition{Target: policy.TargetAccount, From: policy.PenaltySuspend, To: policy.PenaltySuspend, Count: r.Changed}, r.Transitions[0])

	same, err := enforcement.Shadow(context.Background(), live, live, slices.Values(cases), nil)
	require.NoError(t, err)
	assert.Zero(t, same.Changed, "a policy beside itself changes nothing")
}

// However a run ends, Run returns only once it stopped pulling cases.
func TestCampaignStopsPullingCasesWhenItReturns(t *testing.T) {
	cases := slices.Collect(synth.Cases(smallCampaign(200)))
	var mu sync.Mutex
	returned, pulledAfter := false, 0
	seq := func(yield func(enforcement.GroupCase) bool) {
		for _, gc := range cases {
			mu.Lock()
			if returned {
				pulledAfter++
			}
			mu.Unlock()
			time.Sleep(time.Millisecond) // a slow source, still pulling when the run stops
			if !yield(gc) {
				return
			}
		}
	}
	stop := errors.New("stop")
	_, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), campaign2017, seq,
		enforcement.WithPlans(func(*enforcement.Plan) error { return stop }))
	mu.Lock()
	returned = true
	mu.Unlock()
	require.ErrorIs(t, err, stop)
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, pulledAfter, "the iterator was called after Run returned")
}
