package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// actorCase is the case of account a, a member who committed a violation
// of each category of cats, in order (v0, v1, …).
func actorCase(cats ...string) Case {
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, time.UTC)
	c := Case{Target: TargetAccount, Account: &Account{ID: "a"}, Role: RoleMember, Now: now, Group: Group{ID: "g", Owner: "o", Members: 2}}
	for i, cat := range cats {
		c.Violations = append(c.Violations, Violation{ID: fmt.Sprint("v", i), Category: cat, Actor: "a", Severity: SeverityLow, Detected: now.Add(-time.Hour)})
	}
	return c
}

// tenCategories names the categories of 20 violations over c0 … c9.
func tenCategories() []string {
	var cats []string
	for i := range 20 {
		cats = append(cats, fmt.Sprint("c", i%10))
	}
	return cats
}

// categoryRulesPolicy has rules account rules spread over cats categories,
// each rule for one category and with a residual, so that a violation has
// rules/cats candidates.
func categoryRulesPolicy(cats, rules int) string {
	var s strings.Builder
	s.WriteString("name: category-rules\nversion: \"1\"\nappeal: {route: help}\ncategories:\n")
	for i := range cats {
		fmt.Fprintf(&s, "  - {name: c%d, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\n", i)
	}
	s.WriteString("rules:\n")
	for i := range rules {
		fmt.Fprintf(&s, `  - id: r%d
    target: account
    when: violation.category == category.c%d && violation.id == "zz%d"
    penalty: warn
    message: '"x"'
    ground: {kind: contractual, reference: terms}
`, i, i%cats, i)
	}
	return s.String()
}

// Explain is Decide with a trace, on the same path, and MaxChecks bounds
// it with its trace: a case Explain admits is traced in at most MaxChecks
// rule traces, or refused. The trace holds, for every violation, every
// rule of the target, candidates or not: 20 violations under 50 rules
// over 10 categories take 120 checks to decide and give 1,000 traces, so
// that under a limit of 120 Explain refuses the case.
func TestExplainIsBoundedByChecks(t *testing.T) {
	ctx := context.Background()
	e, err := Compile("category-rules.yaml", []byte(categoryRulesPolicy(10, 50)))
	require.NoError(t, err)
	c := actorCase(tenCategories()...)
	n := checksOf(t, e, func() error { _, err := e.Decide(ctx, c); return err })
	assert.Equal(t, 20*(1+5), n, "each violation reads its category's five rules")

	x, err := e.Explain(ctx, c)
	require.NoError(t, err)
	require.Len(t, x.Rules, 20*50)
	e.maxChecks = n
	defer func() { e.maxChecks = MaxChecks }()
	_, err = e.Explain(ctx, c)
	require.Equal(t, CodeTooMany, CodeOf(err), "%d checks and %d traces are over MaxChecks %d", n, len(x.Rules), n)
	e.maxChecks = n + len(x.Rules)
	_, err = e.Explain(ctx, c)
	require.NoError(t, err, "the checks and the traces make the limit exactly")
}

// strikesLeadersPolicy penalises the owner and admins over every
// violation by a condition that counts their strikes eight times: each
// evaluation is charged (untracked, at its estimate) some 8,000, and reads
// the whole history as often.
const strikesLeadersPolicy = `name: strikes-leaders
version: "1"
appeal: {route: help}
settings: {cost_budget: 100000}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
rules:
  - id: leaders
    target: account
    when: >-
      subject.role != role.member && strikes(duration("87600h")) + strikes(duration("87576h")) +
      strikes(duration("87552h")) + strikes(duration("87528h")) + strikes(duration("87504h")) +
      strikes(duration("87480h")) + strikes(duration("87456h")) + strikes(duration("87432h")) > 100000
    penalty: warn
    message: '"x"'
    ground: {kind: contractual, reference: terms}
`

// MaxChecks bounds the checks of a call, and a check may cost up to the
// policy's cost budget: the decisions of one DecideGroup call together
// spend at most what one decision may, or the case is refused. Here 100
// leaders over 200 violations (some 40,000 checks, a fiftieth of
// MaxChecks) would spend more than DecisionCostLimit, each decision under
// it: the case is refused. Over 20 violations it is decided, each member
// as Decide decides, for less than the limit in all.
func TestGroupCallCostIsBounded(t *testing.T) {
	ctx := context.Background()
	e, err := Compile("strikes-leaders.yaml", []byte(strikesLeadersPolicy))
	require.NoError(t, err)
	gc := leadersGroup(99, 1, 200, verifiedOf("spam", SeverityLow))
	var spent uint64
	for i := range gc.Members {
		d, cost, err := e.decideCost(ctx, gc.MemberCase(i))
		require.NoError(t, err)
		require.Empty(t, d.Errors, "member %d: within its decision's cost limit", i)
		spent += cost
	}
	require.Greater(t, spent, uint64(DefaultDecisionCostLimit), "the members' decisions together spend more than one may")
	_, err = e.DecideGroup(ctx, gc, nil)
	require.Equal(t, CodeTooMany, CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), fmt.Sprintf("together cost more than %d", uint64(DefaultDecisionCostLimit)))

	small := leadersGroup(99, 1, 20, verifiedOf("spam", SeverityLow))
	out, err := e.DecideGroup(ctx, small, nil)
	require.NoError(t, err)
	spent = 0
	for i := range small.Members {
		d, cost, err := e.decideCost(ctx, small.MemberCase(i))
		require.NoError(t, err)
		require.Equal(t, d, out[1+i], "member %d: DecideGroup is Decide", i)
		spent += cost
	}
	assert.LessOrEqual(t, spent, uint64(DefaultDecisionCostLimit))
}

// A group case refused part-way, at MaxChecks, leaves dst as it was: its
// length and the decisions within it, those of the call before kept by a
// caller that appends to them. Only the room beyond its length, which
// DecideGroup writes its decisions into before it knows, may change, as
// its doc says.
func TestRefusedGroupLeavesDstRoom(t *testing.T) {
	ctx := context.Background()
	e := mustCompile(t)
	gc := leadersGroup(4, 3, 50, verifiedOf("csam", SeverityCritical))
	prev, err := e.DecideGroup(ctx, gc, nil)
	require.NoError(t, err)
	kept := append([]Decision(nil), prev[:3]...)
	n := checksOf(t, e, func() error { _, err := e.DecideGroup(ctx, gc, nil); return err })
	e.maxChecks = n - 1
	defer func() { e.maxChecks = MaxChecks }()
	out, err := e.DecideGroup(ctx, gc, prev[:3])
	require.Equal(t, CodeTooMany, CodeOf(err))
	assert.Equal(t, kept, out, "the refused call returns dst, its decisions as they were")
	assert.Equal(t, kept, prev[:3])
}
