package policy

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func compileFile(t *testing.T, path string) *Engine {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	e, err := Compile(path, src)
	require.NoError(t, err)
	return e
}

func shippedProperties(t *testing.T) []Property {
	t.Helper()
	props, err := ParseProperties(DefaultPropertiesFile, DefaultProperties())
	require.NoError(t, err)
	return props
}

func resultOf(t *testing.T, v Verification, name string) PropertyResult {
	t.Helper()
	for _, p := range v.Properties {
		if p.Property.Name == name {
			return p
		}
	}
	t.Fatalf("no property %s", name)
	return PropertyResult{}
}

// The winner-order copy of the default policy decides every case of one
// violation as the default does, so verification over single violations
// passes; on two violations a ban from the rule moved to the top wins the
// tie, and zero-tolerance-decides fails. The counterexample holds both
// violations, decides as reported, and, stored as YAML and read back (as a
// fixture holds it), still fails the property with the violation it names.
func TestWinnerOrderFailsOnlyOnTwoViolations(t *testing.T) {
	ctx := context.Background()
	e := compileFile(t, "../testdata/policies/broken/winner-order.yaml")
	props := shippedProperties(t)

	single, err := e.verify(ctx, props, -1)
	require.NoError(t, err)
	assert.Zero(t, single.PairCases)
	for _, p := range single.Properties {
		assert.Zero(t, p.Failures, "%s fails on a single violation: %+v", p.Property.Name, p.Counterexample)
	}

	v, err := e.Verify(ctx, props)
	require.NoError(t, err)
	assert.Positive(t, v.PairCases)
	for _, s := range v.Spaces {
		assert.Equal(t, s.Pairs, s.PairsChecked, "every pair of %s cells is checked", s.Target)
	}
	pr := resultOf(t, v, "zero-tolerance-decides")
	require.Positive(t, pr.Failures)
	cx := pr.Counterexample
	require.NotNil(t, cx)
	require.Len(t, cx.Case.Violations, 2)
	assert.Equal(t, "other-actor-critical", cx.Decision.Rule)
	d, err := e.Decide(ctx, cx.Case)
	require.NoError(t, err)
	assert.Equal(t, cx.Decision, d)

	b, err := yaml.Marshal(cx.Case)
	require.NoError(t, err)
	var back Case
	require.NoError(t, yaml.Unmarshal(b, &back))
	d, err = e.Decide(ctx, back)
	require.NoError(t, err)
	assert.Equal(t, cx.Decision.Rule, d.Rule)
	assert.Equal(t, cx.Decision.Penalty, d.Penalty)
	prop := compiledProperty(t, e, pr.Property.Holds)
	failed := e.failing([]propertyProgram{prop}, []int{0}, back, d, nil)
	require.GreaterOrEqual(t, failed[0], 0, "the property fails on the stored case")
	assert.Equal(t, cx.Violation, back.Violations[failed[0]].ID)

	// Under the default policy the same case keeps the property: the
	// zero-tolerance rule wins the tie.
	d, err = Default().Decide(ctx, back)
	require.NoError(t, err)
	assert.Equal(t, []int{-1}, Default().failing([]propertyProgram{prop}, []int{0}, back, d, nil))
}

// Bound to each violation in turn: a property fails on a case when it
// fails with any of its violations, and the counterexample names that one.
func TestPropertyBoundToEachViolation(t *testing.T) {
	ctx := context.Background()
	e := Default()
	v, err := e.Verify(ctx, []Property{{Name: "all-low", Target: TargetGroup, Holds: "violation.severity == severity.low"}})
	require.NoError(t, err)
	pr := v.Properties[0]
	// Some group cases have a violation above low, and some do not.
	require.Positive(t, pr.Failures)
	assert.Less(t, pr.Failures, pr.Checked)
	cx := pr.Counterexample
	require.NotNil(t, cx)
	i := slices.IndexFunc(cx.Case.Violations, func(v Violation) bool { return v.ID == cx.Violation })
	require.GreaterOrEqual(t, i, 0, "the counterexample names one of its violations")
	assert.NotEqual(t, SeverityLow, cx.Case.Violations[i].Severity)

	// On a case of two violations the property fails with whichever is
	// not low, in either order.
	prop := compiledProperty(t, e, pr.Property.Holds)
	for _, high := range []int{0, 1} {
		c := cx.Case
		c.Violations = []Violation{cx.Case.Violations[i], cx.Case.Violations[i]}
		c.Violations[0].ID, c.Violations[1].ID = "va", "vb"
		c.Violations[1-high].Severity = SeverityLow
		c.Violations[high].Severity = SeverityHigh
		d, err := e.Decide(ctx, c)
		require.NoError(t, err)
		assert.Equal(t, []int{high}, e.failing([]propertyProgram{prop}, []int{0}, c, d, nil), "the high violation is violation %d", high)
	}
}

// The pairs of cells verification checks: all of them up to the limit;
// above, a seeded sample of at least limit pairs, without duplicates, of
// cells alike in the subject's and the group's fields, that holds every
// cell in some pair, the same for the same seed.
func TestCellPairsSample(t *testing.T) {
	e := Default()
	env, err := e.p.PropertyEnv()
	require.NoError(t, err)
	sp, _, err := e.p.Analyze(TargetAccount, verifyExprs(env, e.p, TargetAccount), verifyMaxCells)
	require.NoError(t, err)
	fields := sp.Fields()

	all, total := cellPairs(sp, 1<<20, rand.New(rand.NewPCG(1, 2)))
	require.Len(t, all, total)
	none, n := cellPairs(sp, -1, rand.New(rand.NewPCG(1, 2)))
	assert.Nil(t, none)
	assert.Equal(t, total, n)

	for _, limit := range []int{0, 10, 500, total - 1} {
		pairs, n := cellPairs(sp, limit, rand.New(rand.NewPCG(1, 2)))
		assert.Equal(t, total, n)
		require.GreaterOrEqual(t, len(pairs), min(limit, total))
		require.Less(t, len(pairs), total)
		covered := make([]bool, sp.Cells())
		seen := map[[2]int]bool{}
		for _, p := range pairs {
			assert.False(t, seen[p], "pair %v twice", p)
			seen[p] = true
			assert.Equal(t, sharedCell(sp, fields, p[0]), sharedCell(sp, fields, p[1]), "pair %v of two subjects", p)
			covered[p[0]], covered[p[1]] = true, true
		}
		assert.NotContains(t, covered, false, "limit %d leaves a cell out", limit)
		again, _ := cellPairs(sp, limit, rand.New(rand.NewPCG(1, 2)))
		assert.Equal(t, pairs, again)
		for _, p := range pairs {
			assert.True(t, slices.Contains(all, p))
		}
	}

	// Sampled, a verification says how many pairs of how many it checked.
	v, err := e.verify(context.Background(), shippedProperties(t), 100)
	require.NoError(t, err)
	for _, s := range v.Spaces {
		assert.LessOrEqual(t, s.PairsChecked, s.Pairs)
		assert.GreaterOrEqual(t, s.PairsChecked, min(100, s.Pairs))
	}
	assert.Less(t, v.Spaces[0].PairsChecked, v.Spaces[0].Pairs)
}

func BenchmarkVerifyDefault(b *testing.B) {
	props, err := ParseProperties(DefaultPropertiesFile, DefaultProperties())
	require.NoError(b, err)
	for _, limit := range []struct {
		name  string
		pairs int
	}{{"single", -1}, {"pairs", MaxVerifyPairs}} {
		b.Run(limit.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Default().verify(context.Background(), props, limit.pairs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// In cells where a rule keeps a residual (strikes() here), pairs get
// generated cases beside their representatives', each with two violations
// of distinct ids, and the property is checked on each.
func TestVerifyPairsOfResidualCells(t *testing.T) {
	e := compileFile(t, "../testdata/policies/valid/strikes.yaml")
	v, err := e.Verify(context.Background(), []Property{{Name: "two-ids", Holds: "violation.id != ''"}})
	require.NoError(t, err)
	steps := ladderSteps(e.p, TargetAccount)
	pairs := 0
	require.Positive(t, v.Spaces[0].Residual, "account cells with residuals")
	for _, s := range v.Spaces {
		require.Equal(t, s.Pairs, s.PairsChecked)
		pairs += s.Pairs
	}
	// Representatives give a pair at most a case per ladder step (checked
	// below): more cases than that are the residual pairs' generated ones.
	assert.Greater(t, v.PairCases, pairs*(steps+1), "generated cases beside the representatives'")
	assert.Zero(t, v.Properties[0].Failures)
	assert.Equal(t, v.Cases+v.PairCases, v.Properties[0].Checked)

	env, err := e.p.PropertyEnv()
	require.NoError(t, err)
	sp, _, err := e.p.Analyze(TargetAccount, verifyExprs(env, e.p, TargetAccount), verifyMaxCells)
	require.NoError(t, err)
	cb := newCaseBuilder(e, TargetAccount, sp.Fields(), sp.Cells(), ladderSteps(e.p, TargetAccount), sp.Representative)
	rng := rand.New(rand.NewPCG(1, 1))
	plain := len(cb.pair(0, 0, false, rng))
	require.LessOrEqual(t, plain, steps+1, "a representative's case per ladder step")
	cases := cb.pair(0, 0, true, rng)
	require.Len(t, cases, plain+generatedPerResidualPair)
	for _, c := range cases {
		require.Len(t, c.Violations, 2)
		assert.NotEqual(t, c.Violations[0].ID, c.Violations[1].ID)
		_, err := e.Decide(context.Background(), c)
		assert.NoError(t, err)
	}
}

// A penalty expression cuts the verification space too: a field only it
// compares (the reports here) gets a cell on each side of its constant,
// so a property the heavier branch breaks fails.
func TestVerifyCutsWherePenaltyExpressionsCompare(t *testing.T) {
	src := `name: penalty-expr
version: 0.1.0
appeal:
  route: "Settings > Account status > Request a review"
guards:
  double_judgment: {enabled: false}
categories:
  - name: spam
    dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC
rules:
  - id: reported
    description: The actor is warned, or suspended from 7 reports.
    target: account
    when: subject.is_actor
    penalty: 'violation.reports >= 7 ? penalty.suspend : penalty.warn'
    duration: 1d
    message: '"Your account received a measure."'
    ground: {kind: contractual, reference: Test terms of service}
`
	e, err := Compile("penalty-expr.yaml", []byte(src))
	require.NoError(t, err)
	v, err := e.Verify(context.Background(), []Property{{Name: "at-most-warn", Target: TargetAccount, Holds: "decision.penalty <= penalty.warn"}})
	require.NoError(t, err)
	pr := v.Properties[0]
	require.Positive(t, pr.Failures)
	assert.GreaterOrEqual(t, len(pr.Counterexample.Case.Violations[0].Evidence.Reports), 7)
	assert.Equal(t, PenaltySuspend, pr.Counterexample.Decision.Penalty)
}

// compiledProperty compiles a property's condition as Verify does.
func compiledProperty(t *testing.T, e *Engine, holds string) propertyProgram {
	t.Helper()
	env, err := e.p.PropertyEnv()
	require.NoError(t, err)
	ast, iss := env.Compile(holds)
	require.NoError(t, iss.Err())
	prg, err := env.Program(ast)
	require.NoError(t, err)
	return propertyProgram{ast, prg}
}
