package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// policyCase is a policy the group tests decide under, with the
// categories their cases draw from.
type policyCase struct {
	name string
	src  []byte
	cats []string
}

// groupPolicies are the policies the group tests decide under: the
// default one, one of residuals and numeric cuts, and generated ones.
func groupPolicies(t *testing.T, generated uint64) []policyCase {
	mixed, err := os.ReadFile("testdata/casespace.yaml")
	require.NoError(t, err)
	policies := []policyCase{
		{"default", DefaultSource(), []string{"csam", "spam", "pii_trafficking", "fraud"}},
		{"casespace", mixed, []string{"csam", "spam", "fraud"}},
	}
	for seed := range generated {
		policies = append(policies, policyCase{fmt.Sprint("generated-", seed), []byte(fuzzPolicy(rand.New(rand.NewPCG(seed, 9)))), []string{"csam", "spam", "fraud"}})
	}
	return policies
}

// DecideGroup tells the members no rule concerns without going through
// the violations, and decides every member as Decide decides the member's
// case: on seeded groups of many bystanders, under the default policy, a
// policy of residuals and numeric cuts, generated policies, and each of
// these with a case space so small that rules fall back. The quiet test is
// taken, for members who acted (decided on their own acts) and who did
// not, these only when their decision is none without a match.
func TestDecideGroupOfBystandersIsDecide(t *testing.T) {
	policies := groupPolicies(t, 12)
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

// quietVarPolicy warns the actor of a violation with a message that reads
// a variable its condition reads too.
const quietVarPolicy = `name: quietvar
version: 0.1.0
appeal:
  route: "Settings > Appeal"
categories:
  - name: spam
    dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC
variables:
  - name: tag
    expression: violation.id + "-" + subject.id
rules:
  - id: r
    target: account
    when: subject.is_actor && variables.tag != ""
    penalty: warn
    message: '"warned for " + variables.tag'
    ground: {kind: contractual, reference: Terms}
`

// A member decided on their own acts alone spends what Decide spends on
// the member's case: their act v0 wins, but the case's last violation is
// v1, someone else's, so Decide binds v0 again before the message and
// evaluates its variable again. Under every decision cost limit from 1 to
// 400, the two decisions are the same: the same reason, or the same error
// and review hold.
func TestQuietActorSpendsWhatDecideSpends(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	gc := GroupCase{Group: Group{ID: "g", Owner: "o", Members: 2}, Now: now,
		Members: []Membership{{Role: RoleOwner, Account: Account{ID: "o"}}, {Role: RoleMember, Account: Account{ID: "m"}}},
		Violations: []Violation{
			{ID: "v0", Category: "spam", Severity: SeverityLow, Actor: "m", Detected: now.Add(-time.Hour)},
			{ID: "v1", Category: "spam", Severity: SeverityLow, Detected: now.Add(-time.Hour)},
		}}
	ctx := context.Background()
	held := 0
	for limit := uint64(1); limit <= 400; limit++ {
		e, err := Compile("quietvar.yaml", []byte(quietVarPolicy), WithDecisionCostLimit(limit))
		require.NoError(t, err)
		ds, err := e.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		for i := range gc.Members {
			d, err := e.Decide(ctx, gc.MemberCase(i))
			require.NoError(t, err)
			require.Equal(t, d, ds[1+i], "limit %d, member %d", limit, i)
			if len(d.Errors) > 0 {
				held++
			}
		}
	}
	require.Positive(t, held, "some limits hold the decision")
}

// The same on generated policies whose every condition asks for the actor
// (so that bystanders are quiet and actors are decided on their own acts),
// whose variable reads the violation and the subject and whose every
// message reads it, under decision cost limits from 40 to 1,500.
func TestQuietMembersUnderDecisionCostLimits(t *testing.T) {
	ctx := context.Background()
	when := regexp.MustCompile(`when: "(.*)"`)
	message := regexp.MustCompile(`message: '"rule (\d+)"'`)
	compared, held := 0, 0
	for seed := range uint64(10) {
		src := fuzzPolicy(rand.New(rand.NewPCG(seed, 9)))
		src = strings.Replace(src, `subject.id.startsWith(\"vip-\")`, `(violation.id + subject.id).startsWith(\"v\")`, 1)
		src = when.ReplaceAllString(src, `when: "subject.is_actor && (variables.vip || $1)"`)
		src = message.ReplaceAllString(src, `message: '"rule $1 " + (variables.vip ? "vip" : "")'`)
		for limit := uint64(40); limit < 1500; limit += 60 {
			e, err := Compile("generated.yaml", []byte(src), WithDecisionCostLimit(limit))
			if err != nil {
				break // a limit below what a rule costs
			}
			rng := rand.New(rand.NewPCG(seed, 5))
			for k := range 6 {
				gc := bystanderGroup(rng, []string{"csam", "spam", "fraud"})
				ds, err := e.DecideGroup(ctx, gc, nil)
				require.NoError(t, err)
				for i := range gc.Members {
					d, err := e.Decide(ctx, gc.MemberCase(i))
					require.NoError(t, err)
					require.Equal(t, d, ds[1+i], "seed %d, limit %d, group %d, member %d\n%s", seed, limit, k, i, src)
					compared++
					if len(d.Errors) > 0 {
						held++
					}
				}
			}
		}
	}
	require.Greater(t, compared, 10000)
	require.Positive(t, held, "some limits are reached")
}

// DecideGroup from several goroutines on one engine, its states pooled
// between them, gives what it gives alone (run with -race).
func TestBystandersFromManyGoroutines(t *testing.T) {
	e := Default()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	var gcs []GroupCase
	var want [][]Decision
	for range 12 {
		gc := bystanderGroup(rng, []string{"csam", "spam", "pii_trafficking", "fraud"})
		ds, err := e.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		gcs, want = append(gcs, gc), append(want, ds)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for r := range 10 {
				k := (g + r) % len(gcs)
				ds, err := e.DecideGroup(ctx, gcs[k], nil)
				if !assert.NoError(t, err) || !assert.Equal(t, want[k], ds) {
					return
				}
			}
		})
	}
	wg.Wait()
}
