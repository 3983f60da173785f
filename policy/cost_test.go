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

	"github.com/groupwarden/warden/internal/compiler"
)

// costPolicy is a policy whose variables are vars (name: expression, in
// order) and whose one rule is when.
func costPolicy(budget uint64, vars [][2]string, when, message string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: hostile\nversion: 0.1.0\nsettings:\n  cost_budget: %d\n", budget)
	b.WriteString("appeal:\n  route: \"Settings > Appeal\"\ncategories:\n  - name: spam\n    dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC\n")
	if len(vars) > 0 {
		b.WriteString("variables:\n")
		for _, v := range vars {
			fmt.Fprintf(&b, "  - name: %s\n    expression: %q\n", v[0], v[1])
		}
	}
	fmt.Fprintf(&b, "rules:\n  - id: r\n    target: account\n    when: %q\n    penalty: warn\n    message: %q\n    ground: {kind: contractual, reference: Terms}\n", when, message)
	return []byte(b.String())
}

// hostileCase is a case whose strings are as long as validation allows, so
// that every string a rule builds from them is as large as it can be.
func hostileCase() Case {
	id := func(c byte) string { return strings.Repeat(string(c), compiler.MaxIDLen) }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := Violation{ID: id('v'), Category: "spam", Severity: SeverityHigh, Actor: id('a'),
		Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}}}
	return Case{Target: TargetAccount, Now: now, Account: &Account{ID: id('a')},
		Group:      Group{ID: id('g'), Owner: id('o')},
		Violations: []Violation{v, func() Violation { w := v; w.ID = id('w'); return w }()}}
}

// TestDoublingChainIsRefused: a chain of string variables, each the previous
// one twice, was estimated at 256 bytes a variable (the bound of a case
// field) and compiled, and one decision then allocated 2^n bytes.
func TestDoublingChainIsRefused(t *testing.T) {
	vars := [][2]string{{"s0", "violation.id"}}
	for i := 1; i <= 40; i++ {
		p := fmt.Sprintf("variables.s%d", i-1)
		vars = append(vars, [2]string{fmt.Sprintf("s%d", i), p + " + " + p})
	}
	_, err := Compile("chain.yaml", costPolicy(10000, vars, `size(variables.s40) > 3`, `"x"`))
	require.Error(t, err)
	assert.Equal(t, CodeCostOverBudget, CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "over the budget")
}

func TestCostBudgetHasAnUpperBound(t *testing.T) {
	_, err := Compile("budget.yaml", costPolicy(MaxCostBudget+1, nil, "true", `"x"`))
	require.Error(t, err)
	assert.Equal(t, CodeInvalidValue, CodeOf(err))
	assert.Contains(t, err.Error(), "MaxCostBudget")
	_, err = Compile("budget.yaml", costPolicy(MaxCostBudget, nil, "true", `"x"`))
	require.NoError(t, err)
}

// hostileVars generates a chain of string and list variables, each built
// from earlier ones with +, lists, comprehensions and conditionals.
func hostileVars(r *rand.Rand, n int) (vars [][2]string, strs, lists []string) {
	strs = []string{"violation.id", "subject.id", "group.id", `"ab"`}
	lists = []string{`["x", "y"]`}
	pick := func(from []string) string { return from[r.IntN(len(from))] }
	for i := range n {
		name := fmt.Sprintf("v%d", i)
		var expr string
		isList := r.IntN(2) == 0
		if isList {
			switch r.IntN(6) {
			case 0:
				expr = "[" + pick(strs) + ", " + pick(strs) + "]"
			case 1:
				expr = pick(lists) + " + " + pick(lists)
			case 2:
				expr = pick(lists) + ".map(e, e + " + pick(strs) + ")"
			case 3:
				expr = pick(lists) + ".filter(e, e.size() > 1)"
			case 4:
				expr = "[1, 2, 3, 4].map(k, " + pick(strs) + ")"
			default:
				expr = pick(lists) + ".map(e, " + pick(lists) + ").map(l, (l + [\"z\"])[0])"
			}
			lists = append(lists, "variables."+name)
		} else {
			switch r.IntN(5) {
			case 0:
				expr = pick(strs) + " + " + pick(strs)
			case 1:
				x := pick(strs)
				expr = x + " + " + x
			case 2:
				expr = "size(" + pick(strs) + ") > 2 ? " + pick(strs) + " : " + pick(strs)
			case 3:
				expr = "(" + pick(lists) + " + [\"z\"])[0] + " + pick(strs)
			default:
				expr = pick(lists) + ".exists(e, e.contains(" + pick(strs) + ")) ? " + pick(strs) + " : \"\""
			}
			strs = append(strs, "variables."+name)
		}
		vars = append(vars, [2]string{name, expr})
	}
	return vars, strs, lists
}

// TestHostilePoliciesDecideWithinTheirLimits generates policies whose
// strings and lists grow at run time. Every one that compiles is decided on
// a case with the longest strings validation allows, with the cost of every
// evaluation tracked: no tracked cost is above its estimate, no evaluation
// runs over the limit, and the decision stays under its cost limit.
func TestHostilePoliciesDecideWithinTheirLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	compiled, refused := 0, 0
	for i := range 300 {
		vars, strs, lists := hostileVars(r, 2+r.IntN(14))
		when := fmt.Sprintf("size(%s) > 0 && %s.exists(e, e.contains(%s))", strs[len(strs)-1], lists[len(lists)-1], strs[r.IntN(len(strs))])
		src := costPolicy(uint64(200+r.IntN(20000)), vars, when, strs[len(strs)-1])
		trackAll := func(o *options) { o.TrackAll = true }
		e, err := Compile("hostile.yaml", src, trackAll)
		if err != nil {
			require.Equal(t, CodeCostOverBudget, CodeOf(err), "policy %d:\n%s\n%v", i, src, err)
			refused++
			continue
		}
		compiled++
		var over []string
		e.observe = func(p compiler.Program, actual uint64) {
			if actual > p.Cost {
				over = append(over, fmt.Sprintf("tracked %d, estimated %d", actual, p.Cost))
			}
		}
		d, spent, err := e.decideCost(context.Background(), hostileCase())
		require.NoError(t, err)
		assert.Empty(t, over, "policy %d:\n%s", i, src)
		assert.Empty(t, d.Errors, "policy %d:\n%s", i, src)
		assert.LessOrEqual(t, spent, e.p.DecisionCostLimit)
	}
	t.Logf("%d compiled, %d refused", compiled, refused)
	assert.Greater(t, compiled, 30)
	assert.Greater(t, refused, 30)
}

// TestDecisionCostLimit: a decision whose evaluations add up to more than
// its limit stops evaluating, records the error and never spends more.
func TestDecisionCostLimit(t *testing.T) {
	src := costPolicy(10000, [][2]string{{"s", "violation.id + subject.id"}}, `variables.s.contains("zz")`, `"x"`)
	e, err := Compile("limit.yaml", src, WithDecisionCostLimit(60))
	require.NoError(t, err)
	c := hostileCase()
	d, spent, err := e.decideCost(context.Background(), c)
	require.NoError(t, err)
	assert.LessOrEqual(t, spent, uint64(60))
	require.NotEmpty(t, d.Errors)
	assert.Contains(t, d.Errors[0].Message, "cost limit of 60")
	assert.True(t, d.PendingReview, "a decision with a rule error is held for review")
}

// TestDigestCoversCostLimits: a cost limit changes decisions (a tracked
// rule over it fails), so two engines with different limits never share a
// digest, and an engine given the defaults shares the plain one.
func TestDigestCoversCostLimits(t *testing.T) {
	src := costPolicy(10000, [][2]string{{"s", "violation.id + subject.id"}}, `variables.s.contains("zz")`, `"x"`)
	plain, err := Compile("p.yaml", src)
	require.NoError(t, err)
	low, err := Compile("p.yaml", src, WithCostLimit(5))
	require.NoError(t, err)
	lowDecision, err := Compile("p.yaml", src, WithDecisionCostLimit(60))
	require.NoError(t, err)
	same, err := Compile("p.yaml", src, WithCostLimit(10000), WithDecisionCostLimit(DefaultDecisionCostLimit))
	require.NoError(t, err)

	d1, err := plain.Decide(context.Background(), hostileCase())
	require.NoError(t, err)
	d2, err := low.Decide(context.Background(), hostileCase())
	require.NoError(t, err)
	require.Empty(t, d1.Errors)
	require.NotEmpty(t, d2.Errors, "the low limit changes the decision")

	digests := map[string]string{}
	for name, e := range map[string]*Engine{"plain": plain, "cost limit": low, "decision limit": lowDecision} {
		if other, dup := digests[e.Policy().Digest]; dup {
			t.Errorf("%s and %s share a digest", name, other)
		}
		digests[e.Policy().Digest] = name
	}
	assert.Equal(t, plain.Policy().Digest, same.Policy().Digest, "limits equal to the defaults are the defaults")
	assert.Contains(t, string(low.Canonical()), `"compile_options":{"cost_limit":5}`)
}

// TestRuleErrorHoldsTheDecision: a rule that fails at run time leaves the
// decision pending review, not a silent none.
func TestRuleErrorHoldsTheDecision(t *testing.T) {
	src := costPolicy(10000, nil, `1 / (size(subject.id) - size(subject.id)) > 0`, `"x"`)
	e, err := Compile("div.yaml", src)
	require.NoError(t, err)
	d, err := e.Decide(context.Background(), hostileCase())
	require.NoError(t, err)
	require.Len(t, d.Errors, 2, "one per violation")
	assert.Contains(t, d.Errors[0].Message, "division by zero")
	assert.Equal(t, PenaltyNone, d.Penalty)
	assert.True(t, d.PendingReview)
}
