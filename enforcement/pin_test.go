package enforcement_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// digestOf writes v as JSON, one value a line, into h.
func digestOf(t *testing.T, h hash.Hash, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	h.Write(append(b, '\n'))
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// pinnedCases are the synthetic cases whose plans, measures and report
// TestOutputIsPinned pins: the campaign of the cleanup example and the
// platform campaign, whose accounts are shared between groups.
func pinnedCases() (campaign, platform []enforcement.GroupCase) {
	cfg := synth.Default
	cfg.Groups = 400
	p := synth.Platform()
	p.Groups, p.Pool = 600, 60
	return slices.Collect(synth.Cases(cfg)), slices.Collect(synth.Cases(p))
}

// TestOutputIsPinned pins, byte for byte, what the planner delivers for
// synthetic campaigns: whole plans (ids, action keys, notices and their
// texts), the group parts and account plans of a run, the measures a shard
// hands on and the report. The digests are those of the release that
// introduced the test; a change in them is a change of behaviour (new plan
// ids, new keys, other words), never a matter of speed.
func TestOutputIsPinned(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	campaign, platform := pinnedCases()
	ctx := context.Background()

	first, err := planner.Plan(ctx, campaign[0])
	require.NoError(t, err)
	assert.Equal(t, "plan-cab99ba7ec54c937f878be1a", first.ID)

	plans := sha256.New()
	for _, gc := range append(slices.Clone(campaign), platform...) {
		p, err := planner.Plan(ctx, gc)
		require.NoError(t, err)
		digestOf(t, plans, p)
		gp, ms := enforcement.SplitPlan(p)
		digestOf(t, plans, gp)
		digestOf(t, plans, ms)
	}
	assert.Equal(t, "b3c6a64b5c0f5618dd3e0f940d64570ce341c4bfe1b6a0027143863404eca909", hexSum(plans), "whole plans and their split")

	for _, run := range []struct {
		name   string
		cases  []enforcement.GroupCase
		digest string
	}{
		{"campaign", campaign, "92faefb7080d0c6ca7e58c52a948dbf8ebf2ae4e7a06b3c172f96795c3693a46 6e96a82bee863a0a8c1a2ba76d1c49a9684133e4bc868f3196d5d59707ee14e5"},
		{"platform", platform, "da7ad41b9b9e6c1174295bc27ae1e14096368841e41489890aef806078800223 ca779acb9f7f02926022f4bcb60f9e45870237393fd71b804b580b72a0481526"},
	} {
		t.Run(run.name, func(t *testing.T) {
			out := sha256.New()
			r, err := planner.Run(ctx, campaign2017, slices.Values(run.cases), enforcement.WithWorkers(3),
				enforcement.WithPlans(func(p *enforcement.Plan) error { digestOf(t, out, p); return nil }),
				enforcement.WithAccountPlans(func(a *enforcement.AccountPlan) error { digestOf(t, out, a); return nil }))
			require.NoError(t, err)
			digestOf(t, out, r)
			var sb []byte
			require.NoError(t, r.WriteText(writerFunc(func(b []byte) { sb = append(sb, b...) })))
			out.Write(sb)

			measures := sha256.New()
			rm, err := planner.Run(ctx, campaign2017, slices.Values(run.cases),
				enforcement.WithMeasures(func(m enforcement.AccountMeasure) error { digestOf(t, measures, m); return nil }))
			require.NoError(t, err)
			digestOf(t, measures, rm)
			assert.Equal(t, run.digest, hexSum(out)+" "+hexSum(measures))
		})
	}
}

type writerFunc func([]byte)

func (w writerFunc) Write(b []byte) (int, error) { w(b); return len(b), nil }

// A campaign's workers reuse their scratch space from case to case: small
// cases around a large one (more decisions than a worker keeps room for)
// are planned exactly as Plan plans each alone.
func TestCampaignReusesScratchExactly(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	small := slices.Collect(synth.Cases(synth.Config{Seed: 5, Groups: 40, FocusShare: 0.5, MinMembers: 3, MaxMembers: 40}))
	big := slices.Collect(synth.Cases(synth.Config{Seed: 6, Groups: 1, FocusShare: 1, MinMembers: 1100, MaxMembers: 1100}))
	for k := range big {
		gc := &big[k]
		gc.Now = synth.Start.Add(48 * time.Hour)
		vs := slices.Clone(gc.Violations)
		for i, m := range gc.Members {
			if i%4 == 1 {
				vs = append(vs, policy.Violation{ID: fmt.Sprintf("v-%s", m.Account.ID), Category: "spam", Severity: policy.SeverityLow,
					Actor: m.Account.ID, Group: gc.Group.ID, Detected: gc.Now.Add(-time.Hour)})
			}
		}
		gc.Violations = vs
	}
	var cases []enforcement.GroupCase
	for i, gc := range small {
		cases = append(cases, gc)
		if i%20 == 5 {
			cases = append(cases, big[0]) // twice, between small ones
		}
	}
	want := map[string]string{}
	for _, gc := range cases {
		p, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		gp, ms := enforcement.SplitPlan(p)
		b, err := json.Marshal([]any{gp, ms})
		require.NoError(t, err)
		want[p.ID] = string(b)
	}
	got := map[string]string{}
	var ms []enforcement.AccountMeasure
	// Each group part is handed on before its measures: record it with the
	// measures that follow it.
	var last *enforcement.Plan
	flush := func() {
		if last != nil {
			b, err := json.Marshal([]any{last, ms})
			require.NoError(t, err)
			got[last.ID] = string(b)
		}
	}
	_, err := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values(cases), enforcement.WithWorkers(1),
		enforcement.WithMeasures(func(m enforcement.AccountMeasure) error { ms = append(ms, m); return nil }),
		enforcement.WithPlans(func(p *enforcement.Plan) error {
			flush()
			last, ms = p.Clone(), nil
			return nil
		}))
	require.NoError(t, err)
	flush()
	require.Len(t, got, len(want))
	// More decisions than the 1,024 a worker keeps room for, so that the
	// small cases after it are planned on room the large one grew and let go.
	require.Greater(t, len(big[0].Members)+1, 1024)
	for id, w := range want {
		assert.Equal(t, w, got[id], id)
	}
}
