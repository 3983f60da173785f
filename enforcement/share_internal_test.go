package enforcement

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// A campaign's measures share their case's holdings, and its violations
// when together they would copy all of them anyway; a case with more
// violations than its measures copy keeps them copied, so that a measure
// never keeps alive more of its case than its copies would. Shared or
// copied, the measures are the same.
func TestMeasuresShareTheirCaseWithinBounds(t *testing.T) {
	planner := NewPlanner(policy.Default())
	for _, extra := range []int{0, 1, 30} {
		gc, gd, decisions := bannedCase(t, 6)
		gc.Violations = slices.Clip(gc.Violations)
		for i := range extra {
			gc.Violations = append(gc.Violations, policy.Violation{ID: fmt.Sprintf("x%d", i), Category: "spam", Severity: policy.SeverityLow,
				Actor: "outsider", Detected: gc.Now})
		}
		gc.Violations = slices.Clip(gc.Violations)
		var plan Plan
		w := &work{split: true}
		planner.build(gc, gd, decisions, &plan, w)
		require.Len(t, plan.Decisions, 6)
		copied := appendMeasures(&plan, nil, w, false)
		shared := appendMeasures(&plan, nil, w, true)
		want, err := json.Marshal(copied)
		require.NoError(t, err)
		got, err := json.Marshal(shared)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), "%d violations of an outsider", extra)
		for i := range shared {
			j := w.decided[i]
			m, c := &shared[i], &copied[i]
			require.Len(t, m.Violations, 1)
			assert.Same(t, &gc.Members[j].Account.Holdings[0], &m.Membership.Account.Holdings[0], "a shared holding")
			assert.NotSame(t, &gc.Members[j].Account.Holdings[0], &c.Membership.Account.Holdings[0], "a copied holding")
			assert.False(t, within(gc.Violations, &c.Violations[0]), "a copied violation")
			// Six measures of one violation each copy six violations: as
			// many as a case of six holds, fewer than one of seven or more.
			if extra == 0 {
				assert.Same(t, &gc.Violations[j], &m.Violations[0], "a violation shared")
			} else {
				assert.False(t, within(gc.Violations, &m.Violations[0]), "a violation copied out of a case of %d", len(gc.Violations))
			}
			assert.Equal(t, len(m.Violations), cap(m.Violations), "nothing appended to a measure's violations reaches its case")
			assert.Equal(t, len(m.Membership.Account.Holdings), cap(m.Membership.Account.Holdings))
		}
	}
}

// A plan finds the acts of each member whether its case has a few actors,
// which it lists, or more, which it maps, and finds them again when the
// next case has few: every notice lists exactly the member's own acts, in
// the case's order.
func TestActsOfFewAndManyActors(t *testing.T) {
	planner := NewPlanner(policy.Default())
	w := &work{}
	for _, actors := range []int{1, maxListedActors, maxListedActors + 1, 3, 40, 2} {
		gc, gd, decisions := bannedCase(t, 45)
		// Each of the first actors commits two acts, interleaved with the
		// others'; the rest of the members none.
		var vs []policy.Violation
		for round := range 2 {
			for i := range actors {
				v := gc.Violations[i]
				v.ID = fmt.Sprintf("%s-%d", v.ID, round)
				vs = append(vs, v)
			}
		}
		gc.Violations = vs
		var plan Plan
		planner.build(gc, gd, decisions, &plan, w)
		assert.Equal(t, actors > maxListedActors, w.b.mapped, "%d actors", actors)
		noticed := 0
		for _, n := range plan.Notices {
			var want []string
			for _, v := range gc.Violations {
				if v.Actor == n.To {
					want = append(want, v.ID+" ("+v.Category+")")
				}
			}
			assert.Equal(t, want, append(slices.Clone(n.Acts), n.UnderReview...), "%d actors: the acts of %s", actors, n.To)
			if len(want) > 0 {
				noticed++
			}
		}
		assert.Equal(t, actors, noticed, "%d actors", actors)
	}
}

// A work goes back to the pool without the room of a map of more than
// maxPooledKeys keys (release passes its maps through keptMap), and keeps
// that of a small one, emptied.
func TestKeptMapLetsLargeMapsGo(t *testing.T) {
	large := map[string]bool{}
	for i := range maxPooledKeys + 1 {
		large[fmt.Sprint(i)] = true
	}
	require.Nil(t, keptMap(large))
	small := map[string]int{"a": 1}
	kept := keptMap(small)
	require.NotNil(t, kept)
	require.Empty(t, kept)
	small["x"] = 2
	require.Equal(t, 2, kept["x"], "the same map, emptied")
	require.Nil(t, keptMap[string, int](nil))
}

// A campaign's slot keeps the room of its plan for the next case, but not
// the room of a case above maxKeptSlotCase members or violations: the
// many slots of a run hold only what modest cases need.
func TestSlotsLetTheRoomOfLargeCasesGo(t *testing.T) {
	planner := NewPlanner(policy.Default())
	for _, tc := range []struct{ members, violations int }{
		{maxKeptSlotCase, 1}, {maxKeptSlotCase + 1, 1}, {2, maxKeptSlotCase + 1},
	} {
		gc, _, _ := bannedCase(t, 2)
		gc.Violations = gc.Violations[:1]
		for i := len(gc.Members); i < tc.members; i++ {
			gc.Members = append(gc.Members, policy.Membership{Role: policy.RoleMember, Account: policy.Account{ID: fmt.Sprintf("m%05d", i)}})
		}
		gc.Group.Members = len(gc.Members)
		for i := len(gc.Violations); i < tc.violations; i++ {
			v := gc.Violations[0]
			v.ID = fmt.Sprintf("w%05d", i)
			gc.Violations = append(gc.Violations, v)
		}
		s := &slot{}
		w := workPool.Get().(*work)
		w.undos = &s.undo
		require.NoError(t, planner.planInto(context.Background(), gc, &s.plan, w))
		w.release()
		s.gc = gc
		require.NotEmpty(t, s.plan.Actions)
		s.recycle()
		name := fmt.Sprintf("%d members, %d violations", tc.members, tc.violations)
		if tc.members > maxKeptSlotCase || tc.violations > maxKeptSlotCase {
			assert.Zero(t, cap(s.plan.Actions), name)
			assert.Zero(t, cap(s.plan.Notices), name)
		} else {
			assert.Positive(t, cap(s.plan.Actions), name, "the room is kept")
		}
		assert.Empty(t, s.gc.Members, name, "nothing of the case is kept")
	}
}

// within reports whether v is one of the elements of vs, wherever in it.
func within(vs []policy.Violation, v *policy.Violation) bool {
	for i := range vs {
		if &vs[i] == v {
			return true
		}
	}
	return false
}

// A batch takes the case it is given and those that wait, up to
// batchSize, and never waits for one more: with none waiting it goes with
// one case, with more than fit it leaves the rest for the next batch, and
// a closed source ends it.
func TestBatchGathersWhatWaitsAndNoMore(t *testing.T) {
	for _, tc := range []struct {
		waiting int
		closed  bool
		want    []int // the sizes of the batches made until nothing waits
	}{
		{0, false, []int{1}},
		{3, false, []int{4}},
		{batchSize - 1, false, []int{batchSize}},
		{batchSize, false, []int{batchSize, 1}},
		{2*batchSize + 2, false, []int{batchSize, batchSize, 3}},
		{2, true, []int{3}},
	} {
		in := make(chan pulled, 3*batchSize)
		for i := range tc.waiting {
			in <- pulled{pos: 2 + i}
		}
		if tc.closed {
			close(in)
		}
		bt := &batch{}
		var sizes, order []int
		first := pulled{pos: 1}
		for {
			bt.gather(first, in)
			sizes = append(sizes, len(bt.slots))
			for _, s := range bt.slots {
				order = append(order, s.pos)
			}
			bt.recycle()
			var ok bool
			select {
			case first, ok = <-in:
			default:
			}
			if !ok {
				break
			}
		}
		assert.Equal(t, tc.want, sizes, "%d waiting", tc.waiting)
		for i, pos := range order {
			require.Equal(t, i+1, pos, "the cases in the order they came")
		}
	}
}

// A campaign that hands its measures on keeps nothing of a delivered
// case alive but the room of modest lists: after a case of many leaders
// and violations, whose plan holds a hundred thousand matches, the heap
// falls back once the smaller cases after it are planned, whichever slot
// and worker the big case went through, while the run still goes on.
func TestCampaignKeepsNoMatchesOfDeliveredCases(t *testing.T) {
	big, _, _ := bannedCase(t, 400)
	small, _, _ := bannedCase(t, 3)
	cases := []GroupCase{big}
	for i := range 300 {
		c := small
		c.Group.ID = fmt.Sprintf("g%03d", i)
		cases = append(cases, c)
	}
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	for _, workers := range []int{1, 2} {
		before := heap()
		var withBig, after int64
		delivered := 0
		_, err := NewPlanner(policy.Default()).Run(context.Background(), Campaign{Name: "memory"}, slices.Values(cases), WithWorkers(workers),
			WithMeasures(func(AccountMeasure) error { return nil }),
			WithPlans(func(*Plan) error {
				switch delivered++; delivered {
				case 1:
					withBig = heap() - before
				case 100:
					// Early enough that the workers still go on: the
					// source has cases left to give.
					after = heap() - before
				}
				return nil
			}))
		require.NoError(t, err)
		require.Greater(t, withBig, int64(8<<20), "%d workers: the big case's plan is large", workers)
		assert.Less(t, after, withBig/4, "%d workers: what is left once it is delivered", workers)
	}
}
