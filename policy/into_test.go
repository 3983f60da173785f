package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withoutRoom is d as Decide gives it: DecideInto may leave an empty slice
// where Decide leaves nil.
func withoutRoom(d Decision) Decision {
	if len(d.Matches) == 0 {
		d.Matches = nil
	}
	if len(d.Guards) == 0 {
		d.Guards = nil
	}
	if len(d.Errors) == 0 {
		d.Errors = nil
	}
	return d
}

// One Decision reused across thousands of generated cases, malformed ones
// among them, comes to exactly what Decide gives for each: nothing of one
// decision is left in the next, and an error leaves the zero Decision.
func TestDecideIntoIsDecide(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		e    *Engine
	}{{"lookup", Default()}, {"slow", mustCompile(t, withoutCaseSpace())}} {
		t.Run(tc.name, func(t *testing.T) {
			var cats []string
			for _, c := range tc.e.Categories() {
				cats = append(cats, c.Name)
			}
			rng := rand.New(rand.NewPCG(17, 4))
			var d Decision
			grown := 0
			for i := range 3000 {
				c := generatedCase(rng, cats)
				if i%7 == 3 {
					c.Violations[0].Severity = 9 // malformed: DecideInto must refuse it as Decide does
				}
				want, wantErr := tc.e.Decide(ctx, c)
				err := tc.e.DecideInto(ctx, &c, &d)
				what := fmt.Sprintf("case %d: %+v", i, c)
				require.Equal(t, wantErr, err, what)
				require.Equal(t, want, withoutRoom(d), what)
				if cap(d.Matches) > 0 {
					grown++
				}
			}
			require.Positive(t, grown, "some decisions match, so the room is reused")
		})
	}
}

// A loop that decides into one Decision allocates nothing once its room
// has grown, matches, guard notes and all.
func TestDecideIntoAllocatesNothing(t *testing.T) {
	if testing.CoverMode() != "" || raceDetector {
		t.Skip("instrumentation allocates")
	}
	e := Default()
	ctx := context.Background()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	owner := Case{Target: TargetAccount, Group: Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 50},
		Account: &Account{ID: "owner"}, Now: now,
		Violations: []Violation{{ID: "v1", Category: "csam", Severity: SeverityCritical, Actor: "member",
			Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}},
			Reviews:  []Review{{Reviewer: "r1", Verdict: VerdictConfirmed, At: now.Add(-time.Hour)}}}}}
	group := owner
	group.Target, group.Account = TargetGroup, nil
	for name, c := range map[string]Case{"owner": owner, "group": group} {
		var d Decision
		require.NoError(t, e.DecideInto(ctx, &c, &d), name)
		require.NotEmpty(t, d.Matches, "%s: a case that matches", name)
		allocs := testing.AllocsPerRun(200, func() {
			if err := e.DecideInto(ctx, &c, &d); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, "%s: DecideInto allocates %v times", name, allocs)
	}
}

// DecideInto writes the matches straight into the room of d.Matches, lent
// to the engine's pooled state for the call only: the decisions that
// follow on the same goroutine, which get the same state back, never write
// into it, whether they decide into another Decision, by Decide, for a
// group, or fail; and the room grown for many matches stays d's.
func TestDecideIntoLendsItsRoomForTheCallOnly(t *testing.T) {
	e := Default()
	ctx := context.Background()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	owner := Case{Target: TargetAccount, Group: Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 50},
		Account: &Account{ID: "owner"}, Now: now}
	for i := range 40 {
		owner.Violations = append(owner.Violations, Violation{ID: fmt.Sprintf("v%d", i), Category: "csam", Severity: SeverityCritical, Actor: "member",
			Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}},
			Reviews:  []Review{{Reviewer: "r1", Verdict: VerdictConfirmed, At: now.Add(-time.Hour)}}})
	}
	want, err := e.Decide(ctx, owner)
	require.NoError(t, err)
	d := Decision{Matches: make([]Match, 0, 2)}
	require.NoError(t, e.DecideInto(ctx, &owner, &d))
	require.Greater(t, len(d.Matches), 2, "more matches than the room held")
	require.Equal(t, want.Matches, d.Matches)
	grown := d.Matches[:cap(d.Matches)]
	kept := slices.Clone(grown)
	other := owner
	other.Account = &Account{ID: "admin"}
	other.Violations = other.Violations[:3]
	gc := GroupCase{Group: owner.Group, Now: now, Violations: owner.Violations[:5],
		Members: []Membership{{Role: RoleOwner, Account: Account{ID: "owner"}}, {Role: RoleAdmin, Account: Account{ID: "admin"}}}}
	gc.Group.Members = 2
	var d2 Decision
	for range 20 {
		require.NoError(t, e.DecideInto(ctx, &other, &d2))
		require.NotEmpty(t, d2.Matches)
		_, err = e.Decide(ctx, other)
		require.NoError(t, err)
		_, err = e.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		bad := other
		bad.Violations = append(slices.Clone(bad.Violations), Violation{ID: "v0", Category: "csam"})
		require.Error(t, e.DecideInto(ctx, &bad, &d2))
	}
	// A context that ends while the room is lent, between two rules.
	ends := &endsOnSecondLook{Context: ctx, done: make(chan struct{})}
	close(ends.done)
	require.ErrorIs(t, e.DecideInto(ends, &owner, &d), context.Canceled)
	require.Equal(t, Decision{}, withoutRoom(d), "the zero Decision")
	require.NoError(t, e.DecideInto(ctx, &other, &d2))
	require.Equal(t, kept, grown, "the room lent is d's alone")
	require.NoError(t, e.DecideInto(ctx, &owner, &d))
	require.Equal(t, want.Matches, d.Matches)
	require.NoError(t, e.DecideInto(ctx, &owner, &d))
	require.Equal(t, cap(grown), cap(d.Matches), "and d decides into it again")
}

// endsOnSecondLook is a context that ends between the first look at it
// and the next: DecideInto's check before deciding passes, and the check
// before evaluating a rule finds it ended.
type endsOnSecondLook struct {
	context.Context
	looks int
	done  chan struct{}
}

func (c *endsOnSecondLook) Err() error {
	if c.looks++; c.looks > 1 {
		return context.Canceled
	}
	return nil
}

func (c *endsOnSecondLook) Done() <-chan struct{} { return c.done }

// DecideInto refuses what it cannot decide into, with an error, not a panic.
func TestDecideIntoRefusesNil(t *testing.T) {
	e := Default()
	d := Decision{Subject: "stale", Matches: make([]Match, 1, 4)}
	err := e.DecideInto(context.Background(), nil, &d)
	require.ErrorIs(t, err, ErrInvalidCase)
	require.Equal(t, Decision{}, withoutRoom(d), "the stale decision is gone")
	require.Equal(t, 4, cap(d.Matches), "its room is kept")
	require.Error(t, e.DecideInto(context.Background(), &Case{}, nil))
}

// The decisions of a group case share one allocation for their matches:
// DecideGroup's allocations do not grow with the number of members
// penalised, and no decision's matches can be appended into the next's.
func TestDecideGroupMatchesShareOneAllocation(t *testing.T) {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	groupOf := func(admins, violations int) GroupCase {
		gc := GroupCase{Group: Group{ID: "g1", Owner: "m0", Members: 60}, Now: now}
		for k := range violations {
			gc.Violations = append(gc.Violations, Violation{ID: fmt.Sprintf("v%d", k), Category: "csam", Severity: SeverityCritical, Actor: "m59",
				Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}},
				Reviews:  []Review{{Reviewer: "r1", Verdict: VerdictConfirmed, At: now.Add(-time.Hour)}}})
		}
		for i := range 60 {
			role := RoleMember
			switch {
			case i == 0:
				role = RoleOwner
			case i <= admins:
				role = RoleAdmin
				gc.Group.Admins = append(gc.Group.Admins, fmt.Sprintf("m%d", i))
			}
			gc.Members = append(gc.Members, Membership{Account: Account{ID: fmt.Sprintf("m%d", i)}, Role: role})
		}
		return gc
	}
	e := Default()
	ctx := context.Background()
	allocs := map[int]float64{} // by the number of matches
	for _, size := range []struct{ admins, violations int }{{1, 1}, {12, 1}, {12, 20}} {
		admins := size.admins
		gc := groupOf(admins, size.violations)
		got, err := e.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		matched := 0
		for i := range got {
			if len(got[i].Matches) > 0 {
				matched++
				require.Equal(t, len(got[i].Matches), cap(got[i].Matches), "decision %d: no room to append into its neighbour's matches", i)
			}
		}
		require.Greater(t, matched, admins, "the group, its owner and every admin match")
		// Appending to one decision's matches leaves the next one's alone:
		// the owner's and the first admin's, both penalised.
		require.NotEmpty(t, got[1].Matches)
		require.NotEmpty(t, got[2].Matches)
		next := slices.Clone(got[2].Matches)
		_ = append(got[1].Matches, Match{Rule: "appended"})
		require.Equal(t, next, got[2].Matches)
		dst := make([]Decision, 0, len(got))
		total := 0
		for i := range got {
			total += len(got[i].Matches)
		}
		allocs[total] = testing.AllocsPerRun(50, func() {
			if _, err := e.DecideGroup(ctx, gc, dst[:0]); err != nil {
				t.Fatal(err)
			}
		})
	}
	require.Len(t, allocs, 3)
	if testing.CoverMode() == "" && !raceDetector {
		for n, a := range allocs {
			require.Equal(t, 1.0, a, "%d matches in one allocation (%v)", n, allocs)
		}
	}
}
