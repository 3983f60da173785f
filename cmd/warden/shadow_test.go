package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// What warden shadow -json reports agrees with deciding every case of the
// sample under both policies, one target at a time: the same changes, in
// the same order within their group, each in the group of its role and
// transition, bystanders flagged exactly when they are ordinary members,
// not actors, newly penalised; and the same blast radius per plan.
func TestShadowAgreesWithDecidingEachCase(t *testing.T) {
	candidateFile := input + "/candidate.yaml"
	var stdout, stderr bytes.Buffer
	status := run([]string{"shadow", "-json", "-candidate", candidateFile, sample}, nil, &stdout, &stderr)
	require.Equal(t, exitFail, status, stderr.String()) // decisions change
	var rep shadowReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))

	live := policy.Default()
	src, err := os.ReadFile(candidateFile)
	require.NoError(t, err)
	candidate, err := policy.Compile(candidateFile, src)
	require.NoError(t, err)

	type change struct {
		group, subject string
		bystander      bool
		from, to       policy.Penalty
	}
	var want []change
	var wantPlans []planRadius
	fh, err := os.Open(sample)
	require.NoError(t, err)
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, maxLine)
	ctx := context.Background()
	cases, decisions := 0, 0
	for sc.Scan() {
		var gc enforcement.GroupCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &gc))
		cases++
		subjects := []policy.Case{{Target: policy.TargetGroup, Group: gc.Group, Violations: gc.Violations, Now: gc.Now}}
		for _, m := range gc.Members {
			subjects = append(subjects, policy.Case{Target: policy.TargetAccount, Group: gc.Group, Account: &m.Account, Role: m.Role, Violations: gc.Violations, Now: gc.Now})
		}
		touched := [2]int{}
		for _, c := range subjects {
			decisions++
			a, err := live.Decide(ctx, c)
			require.NoError(t, err)
			b, err := candidate.Decide(ctx, c)
			require.NoError(t, err)
			if c.Target == policy.TargetAccount {
				for i, d := range []policy.Decision{a, b} {
					held := slices.ContainsFunc(d.Guards, func(g policy.GuardNote) bool {
						return g.Guard == policy.GuardDueProcess && g.Action == policy.InterventionPending
					})
					if d.Penalty != policy.PenaltyNone && !held {
						touched[i]++
					}
				}
			}
			if a.Penalty == b.Penalty && a.Duration == b.Duration && a.PendingReview == b.PendingReview {
				continue
			}
			actor := slices.ContainsFunc(gc.Violations, func(v policy.Violation) bool { return v.Actor == a.Subject })
			want = append(want, change{gc.Group.ID, a.Subject,
				c.Target == policy.TargetAccount && a.Role == policy.RoleMember && !actor && a.Penalty == policy.PenaltyNone && b.Penalty != policy.PenaltyNone,
				a.Penalty, b.Penalty})
		}
		if touched[0] != touched[1] || (touched[0] > live.BlastRadius()) != (touched[1] > candidate.BlastRadius()) {
			wantPlans = append(wantPlans, planRadius{Group: gc.Group.ID, LiveTouched: touched[0], CandidateTouched: touched[1],
				LiveNeedsSecondApproval: touched[0] > live.BlastRadius(), CandidateNeedsSecondApproval: touched[1] > candidate.BlastRadius()})
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, want)

	assert.Equal(t, cases, rep.Cases)
	assert.Equal(t, decisions, rep.Decisions)
	assert.Equal(t, len(want), rep.Changed)
	var got []change
	seenBystanders := false
	for i, g := range rep.Groups {
		assert.Equal(t, len(g.Changes), g.Count)
		if g.Bystanders {
			assert.Zero(t, i-boolInt(seenBystanders), "the bystanders come first")
			seenBystanders = true
		}
		for _, ch := range g.Changes {
			assert.Equal(t, g.Role, ch.Role)
			assert.Equal(t, g.FromText, outcomeText(ch.Before))
			assert.Equal(t, g.ToText, outcomeText(ch.After))
			got = append(got, change{ch.Group, ch.Subject, g.Bystanders, ch.Before.Penalty, ch.After.Penalty})
		}
	}
	assert.True(t, seenBystanders, "the candidate penalises bystanders")
	// The groups hold every change once, each group in the order of the
	// cases: sorting both by case order compares them.
	order := func(cs []change) []change {
		pos := map[change]int{}
		for i, c := range want {
			pos[c] = i
		}
		out := slices.Clone(cs)
		slices.SortStableFunc(out, func(a, b change) int { return pos[a] - pos[b] })
		return out
	}
	assert.Equal(t, want, order(got))
	assert.Equal(t, wantPlans, rep.Plans)
}
