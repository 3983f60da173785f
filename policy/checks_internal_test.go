package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leadersGroup is a group case of an owner, admins more admins and members
// ordinary members, one of whom commits every one of violations copies of
// v: the owner and the admins are decided over each of them.
func leadersGroup(admins, members, violations int, v Violation) GroupCase {
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, time.UTC)
	n := 1 + admins + members
	gc := GroupCase{Group: Group{ID: "g1", Owner: "a00000", Members: n}, Now: now}
	gc.Members = append(gc.Members, Membership{Account: Account{ID: "a00000"}, Role: RoleOwner})
	for i := range admins {
		id := fmt.Sprintf("a%05d", i+1)
		gc.Group.Admins = append(gc.Group.Admins, id)
		gc.Members = append(gc.Members, Membership{Account: Account{ID: id}, Role: RoleAdmin})
	}
	for i := range members {
		gc.Members = append(gc.Members, Membership{Account: Account{ID: fmt.Sprintf("m%05d", i)}, Role: RoleMember})
	}
	for i := range violations {
		v := v
		v.ID, v.Actor, v.Detected = fmt.Sprintf("v%d", i), "m00000", now.Add(-time.Hour)
		gc.Violations = append(gc.Violations, v)
	}
	return gc
}

// verifiedOf is a verified violation of a category and severity.
func verifiedOf(category string, sev Severity) Violation {
	return Violation{Category: category, Severity: sev,
		Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}},
		Reviews:  []Review{{Reviewer: "r", Verdict: VerdictConfirmed, At: time.Date(2017, 3, 1, 11, 0, 0, 0, time.UTC)}}}
}

// checksOf finds the checks a call makes on e: the least limit under which
// decide does not refuse the case for its checks, found by bisection.
func checksOf(t *testing.T, e *Engine, decide func() error) int {
	t.Helper()
	e.maxChecks = MaxChecks
	require.NoError(t, decide())
	lo, hi := 0, MaxChecks // decide refuses under lo, not under hi
	for lo < hi {
		e.maxChecks = lo + (hi-lo)/2
		if err := decide(); err != nil {
			require.Equal(t, CodeTooMany, CodeOf(err), "%v", err)
			lo = e.maxChecks + 1
		} else {
			hi = e.maxChecks
		}
	}
	e.maxChecks = MaxChecks
	return lo
}

// A call decides within MaxChecks or refuses the case, and nothing in
// between: at its own number of checks it gives exactly the decisions it
// gives without a limit in sight, and one check fewer refuses the case
// (code too-many, at violations) with dst unchanged. On seeded group
// cases under the default policy and generated ones, for DecideGroup and
// for Decide of each of their member cases.
func TestChecksStopACallAtTheLimit(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(13, 22))
	type policyCase struct {
		name string
		e    *Engine
	}
	policies := []policyCase{{"default", mustCompile(t)}, {"default-slow", mustCompile(t, withoutCaseSpace())}}
	for i := range 4 {
		src := fuzzPolicy(rand.New(rand.NewPCG(uint64(i), 9)))
		e, err := Compile("generated.yaml", []byte(src))
		require.NoError(t, err, src)
		policies = append(policies, policyCase{fmt.Sprintf("generated-%d", i), e})
	}
	for _, pc := range policies {
		cats := make([]string, 0, len(pc.e.Categories()))
		for _, c := range pc.e.Categories() {
			cats = append(cats, c.Name)
		}
		for k := range 6 {
			gc := bystanderGroup(rng, cats)
			t.Run(fmt.Sprintf("%s/%d", pc.name, k), func(t *testing.T) {
				e := pc.e
				want, err := e.DecideGroup(ctx, gc, nil)
				require.NoError(t, err)
				n := checksOf(t, e, func() error { _, err := e.DecideGroup(ctx, gc, nil); return err })
				require.Positive(t, n, "every group case reads its violations for the group")

				e.maxChecks = n
				got, err := e.DecideGroup(ctx, gc, nil)
				require.NoError(t, err)
				assert.Equal(t, want, got, "at its own number of checks")

				e.maxChecks = n - 1
				dst := []Decision{{Subject: "kept"}}
				out, err := e.DecideGroup(ctx, gc, dst)
				e.maxChecks = MaxChecks
				require.ErrorIs(t, err, ErrInvalidCase)
				assert.Equal(t, CodeTooMany, CodeOf(err))
				path, _ := PathOf(err)
				assert.Equal(t, "violations", path)
				assert.Contains(t, err.Error(), fmt.Sprintf("MaxChecks (%d)", n-1))
				assert.Equal(t, dst, out, "a refused case leaves dst as it was")

				for i := range gc.Members {
					mc := gc.MemberCase(i)
					m := checksOf(t, e, func() error { _, err := e.Decide(ctx, mc); return err })
					require.Positive(t, m)
					e.maxChecks = m - 1
					var d Decision
					err := e.DecideInto(ctx, &mc, &d)
					e.maxChecks = MaxChecks
					require.Equal(t, CodeTooMany, CodeOf(err))
					assert.Zero(t, d.Subject, "a refused case leaves the zero Decision")
				}
			})
		}
	}
}

// What the checks count: under the default policy the owner and each admin
// are decided over every violation, so the checks of a group case grow
// with their number times the violations, exactly twice for twice the
// violations, while a thousand ordinary members who acted in none of them
// add nothing at all.
func TestChecksGrowWithLeadersTimesViolations(t *testing.T) {
	ctx := context.Background()
	e := mustCompile(t)
	checks := func(admins, members, violations int) int {
		gc := leadersGroup(admins, members, violations, verifiedOf("csam", SeverityCritical))
		return checksOf(t, e, func() error { _, err := e.DecideGroup(ctx, gc, nil); return err })
	}
	base := checks(4, 3, 50)
	assert.Equal(t, 2*base, checks(4, 3, 100), "twice the violations, twice the checks")
	assert.Equal(t, base, checks(4, 1003, 50), "members no rule concerns cost no check")
	perAdmin := (checks(8, 3, 50) - base) / 4
	assert.Equal(t, base+4*perAdmin, checks(8, 3, 50))
	assert.GreaterOrEqual(t, perAdmin, 2*50, "an admin reads each violation and considers a rule there")
}

// The largest group cases the other limits admit are refused at MaxChecks:
// 2,000 admins over 3,000 violations would be six million decisions of a
// leader over a violation, each with a match. The sizes MaxChecks says it
// admits are decided: 1,000 leaders over 1,000 violations, 5 over
// MaxViolations.
func TestDecideGroupOfTooManyLeadersIsRefused(t *testing.T) {
	if raceDetector {
		t.Skip("about two million checks a case: too slow under the race detector")
	}
	csam := verifiedOf("csam", SeverityCritical)
	for _, size := range [][2]int{{999, 1000}, {4, MaxViolations}} {
		out, err := Default().DecideGroup(context.Background(), leadersGroup(size[0], 10, size[1], csam), nil)
		require.NoError(t, err, "%d admins over %d violations", size[0], size[1])
		assert.Len(t, out[1].Matches, size[1], "the owner matches every violation")
	}
	gc := leadersGroup(2000, 10, 3000, csam)
	out, err := Default().DecideGroup(context.Background(), gc, nil)
	require.ErrorIs(t, err, ErrInvalidCase)
	assert.Equal(t, CodeTooMany, CodeOf(err))
	assert.Nil(t, out)
	// The same engine goes on deciding: its pooled state is whole.
	small := leadersGroup(2, 3, 5, verifiedOf("csam", SeverityCritical))
	got, err := Default().DecideGroup(context.Background(), small, nil)
	require.NoError(t, err)
	assert.Equal(t, PenaltyBan, got[1].Penalty, "the owner of a group with verified CSAM")
}

// manyPartsPolicy has rules for actors only that cut the subject's age at
// forty constants and read the real-name flag: its members fall in some
// eighty subject parts of cells, every one of them quiet for a member who
// acted in nothing.
func manyPartsPolicy() string {
	var s strings.Builder
	s.WriteString(`name: many-parts
version: "1"
appeal: {route: help}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
rules:
`)
	for i := range 40 {
		fmt.Fprintf(&s, `  - id: young-%d
    target: account
    when: subject.is_actor && subject.age < duration("%dh") && subject.real_name == %v
    penalty: warn
    message: '"young"'
    ground: {kind: contractual, reference: terms}
`, i, 24*(i+1), i%2 == 0)
	}
	return s.String()
}

// However many subject parts a group's members fall in, those who acted in
// none of its violations cost no check: a group of 400 members over 80
// subject parts takes as many checks as one of 40, and each member's
// decision is Decide's.
func TestMembersOfManySubjectPartsCostNoCheck(t *testing.T) {
	ctx := context.Background()
	e, err := Compile("many-parts.yaml", []byte(manyPartsPolicy()))
	require.NoError(t, err)
	group := func(members int) GroupCase {
		v := verifiedOf("spam", SeverityLow)
		gc := leadersGroup(0, members, 30, v)
		for i := range gc.Members {
			a := &gc.Members[i].Account
			a.Created = gc.Now.Add(-time.Duration(24*(i%41)+12) * time.Hour)
			a.RealNameVerified = i/41%2 == 0
		}
		return gc
	}
	small, large := group(40), group(400)
	n := checksOf(t, e, func() error { _, err := e.DecideGroup(ctx, small, nil); return err })
	assert.Equal(t, n, checksOf(t, e, func() error { _, err := e.DecideGroup(ctx, large, nil); return err }))
	got, err := e.DecideGroup(ctx, large, nil)
	require.NoError(t, err)
	for i := range large.Members {
		want, err := e.Decide(ctx, large.MemberCase(i))
		require.NoError(t, err)
		require.Equal(t, want, got[1+i], "member %d", i)
	}
	assert.Equal(t, PenaltyWarn, got[2].Penalty, "the actor, m00000, is warned")
}

// An explanation traces every rule of the case's target for every violation,
// candidate or not, and counts each trace as a check: its checks are the
// decision's and one per rule per violation more, and one fewer refuses
// the case as Decide would.
func TestExplainCountsEveryRuleItTraces(t *testing.T) {
	ctx := context.Background()
	for _, e := range []*Engine{mustCompile(t), mustCompile(t, withoutCaseSpace())} {
		gc := leadersGroup(2, 3, 7, verifiedOf("csam", SeverityCritical))
		for i := range gc.Members {
			c := gc.MemberCase(i)
			decided := checksOf(t, e, func() error { _, err := e.Decide(ctx, c); return err })
			explained := checksOf(t, e, func() error { _, err := e.Explain(ctx, c); return err })
			assert.Equal(t, decided+len(c.Violations)*e.rulesOf[c.Target], explained, "member %d", i)
			e.maxChecks = explained - 1
			_, err := e.Explain(ctx, c)
			e.maxChecks = MaxChecks
			assert.Equal(t, CodeTooMany, CodeOf(err))
		}
	}
}

// Explain counts against MaxChecks the rules it traces, those of the
// case's target: the group rules of a policy add nothing to an account
// case's checks, which its decision's checks and its traces make exactly.
func TestExplainCountsTheRulesOfItsTarget(t *testing.T) {
	ctx := context.Background()
	src := categoryRulesPolicy(10, 50)
	for i := range 50 {
		src += fmt.Sprintf("  - id: g%d\n    target: group\n    when: violation.category == category.c0 && violation.id == \"gg%d\"\n    penalty: warn\n    message: '\"x\"'\n    ground: {kind: contractual, reference: terms}\n", i, i)
	}
	e, err := Compile("category-rules.yaml", []byte(src))
	require.NoError(t, err)
	c := actorCase(tenCategories()...)
	n := checksOf(t, e, func() error { _, err := e.Decide(ctx, c); return err })
	x, err := e.Explain(ctx, c)
	require.NoError(t, err)
	require.Len(t, x.Rules, 20*50, "the trace holds the 50 account rules for each violation")
	e.maxChecks = n + len(x.Rules)
	defer func() { e.maxChecks = MaxChecks }()
	_, err = e.Explain(ctx, c)
	require.NoError(t, err, "%d checks and %d traces are within MaxChecks %d", n, len(x.Rules), e.maxChecks)
}
