package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bystanderGroup draws a group case of many members, few of whom commit
// the violations: an owner, admins and members whose accounts differ in
// what rules read of a subject (real name, business, age, history), so
// that a few dozen subject parts of cells occur, some of them many times.
func bystanderGroup(rng *rand.Rand, cats []string) GroupCase {
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, time.UTC)
	n := 2 + rng.IntN(80)
	gc := GroupCase{Group: Group{ID: "g1", Owner: "m000", Members: n}, Now: now}
	if rng.IntN(3) > 0 {
		gc.Group.Created = now.Add(-time.Duration(rng.IntN(1000)) * 24 * time.Hour)
	}
	for i := range n {
		m := Membership{Role: RoleMember, Account: Account{ID: fmt.Sprintf("m%03d", i), RealNameVerified: rng.IntN(2) == 0}}
		switch {
		case i == 0:
			m.Role = RoleOwner
		case rng.IntN(6) == 0:
			m.Role = RoleAdmin
			gc.Group.Admins = append(gc.Group.Admins, m.Account.ID)
		}
		if rng.IntN(3) == 0 {
			m.Account.Type = AccountBusiness
		}
		if rng.IntN(2) == 0 {
			m.Account.Created = now.Add(-time.Duration(rng.IntN(200)) * 24 * time.Hour)
		}
		for range rng.IntN(3) {
			m.Account.History = append(m.Account.History, Record{At: now.Add(-time.Duration(rng.IntN(400)) * 24 * time.Hour), Penalty: Penalty(rng.IntN(5))})
		}
		gc.Members = append(gc.Members, m)
	}
	for i := range 1 + rng.IntN(7) {
		v := Violation{ID: fmt.Sprintf("v%d", i), Category: cats[rng.IntN(len(cats))], Severity: Severity(1 + rng.IntN(4)), Detected: now.Add(-time.Hour)}
		switch rng.IntN(4) {
		case 0: // nobody's
		case 1:
			v.Actor = "outsider"
		default:
			v.Actor = gc.Members[rng.IntN(n)].Account.ID
		}
		if rng.IntN(2) == 0 {
			v.Evidence.Identifications = []Identification{{Method: MethodHashMatch, Confidence: 1}}
			v.Reviews = []Review{{Reviewer: "r", Verdict: Verdict(1 + rng.IntN(2)), At: now.Add(-time.Minute)}}
		}
		for range rng.IntN(4) {
			v.Evidence.Reports = append(v.Evidence.Reports, Report{Source: Source(1 + rng.IntN(3))})
		}
		gc.Violations = append(gc.Violations, v)
	}
	return gc
}

// DecideGroup tells the members no rule concerns without going through
// the violations, and decides every member as Decide decides the member's
// case: on seeded groups of many bystanders, under the default policy, a
// policy of residuals and numeric cuts, generated policies, and each of
// these with a case space so small that rules fall back. The quiet test is
// taken, for members who acted (decided on their own acts) and who did
// not, these only when their decision is none without a match.
func TestDecideGroupOfBystandersIsDecide(t *testing.T) {
	mixed, err := os.ReadFile("testdata/casespace.yaml")
	require.NoError(t, err)
	type policyCase struct {
		name string
		src  []byte
		cats []string
	}
	policies := []policyCase{
		{"default", DefaultSource(), []string{"csam", "spam", "pii_trafficking", "fraud"}},
		{"casespace", mixed, []string{"csam", "spam", "fraud"}},
	}
	for seed := range uint64(12) {
		policies = append(policies, policyCase{fmt.Sprint("generated ", seed), []byte(fuzzPolicy(rand.New(rand.NewPCG(seed, 9)))), []string{"csam", "spam", "fraud"}})
	}
	ctx := context.Background()
	quietTotal, actingTotal := 0, 0
	for _, pc := range policies {
		for _, opts := range [][]Option{nil, {withMaxCells(4)}} {
			e, err := Compile(pc.name+".yaml", pc.src, opts...)
			if err != nil {
				require.NotEqual(t, "default", pc.name, "%v", err)
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(len(pc.name)), 3))
			for k := range 40 {
				gc := bystanderGroup(rng, pc.cats)
				what := fmt.Sprintf("%s (cells limited: %v), group %d", pc.name, opts != nil, k)
				ds, err := e.DecideGroup(ctx, gc, nil)
				require.NoError(t, err, what)
				for i := range gc.Members {
					d, err := e.Decide(ctx, gc.MemberCase(i))
					require.NoError(t, err, what)
					require.Equal(t, d, ds[1+i], "%s, member %d", what, i)
				}
				quiet, acting := quietMembers(t, e, gc)
				actingTotal += acting
				for i, quiet := range quiet {
					if quiet {
						quietTotal++
						require.Equal(t, PenaltyNone, ds[1+i].Penalty, "%s, member %d", what, i)
						require.Empty(t, ds[1+i].Matches, "%s, member %d", what, i)
					}
				}
			}
		}
	}
	require.Greater(t, quietTotal, 1000, "the quiet test is taken")
	require.Greater(t, actingTotal, 30, "members are decided on their own acts alone")
}

// quietMembers tells, as DecideGroup does, which members of a valid group
// case are quiet and committed none of its violations, and how many are
// quiet but acted (decided on their own acts alone).
func quietMembers(t *testing.T, e *Engine, gc GroupCase) (out []bool, acting int) {
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	c := gc.GroupCase()
	require.NoError(t, e.validateShared(&c, st))
	st.bind(&c, 0)
	q := e.bystanders(st)
	defer q.release(st)
	out = make([]bool, len(gc.Members))
	for i := range gc.Members {
		m := &gc.Members[i]
		st.c.Target, st.c.Account, st.c.Role = TargetAccount, &m.Account, m.Role
		st.bindSubject(m.Role)
		own, quiet := q.quiet(st)
		out[i] = quiet && len(own) == 0
		if quiet && len(own) > 0 {
			acting++
		}
	}
	return out, acting
}
