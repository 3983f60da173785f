package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/policy"
)

// densePolicy builds a policy of n account rules that all share the same
// two categories, the actor requirement and no role requirement, so that
// warden's category-and-subject index keeps every one of them as a
// candidate. They differ in what the index does not read: the severity
// (low to critical) and the number of reports they need (rule i needs i/4,
// so the same few rules match a case whatever the size of the policy, and
// only the rules that do not match are added).
func densePolicy(n int) string {
	var s strings.Builder
	s.WriteString(`name: dense
version: "1"
appeal: {route: help}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
  - {name: fraud, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
rules:
`)
	severities := []string{"low", "medium", "high", "critical"}
	for i := range n {
		penalty := "warn"
		if i%3 != 0 {
			penalty = fmt.Sprintf("suspend\n    duration: %dd", 1+i%30)
		}
		fmt.Fprintf(&s, `  - id: r%d
    target: account
    when: violation.category in [category.spam, category.fraud] && subject.is_actor && violation.severity >= severity.%s && violation.reports >= %d
    penalty: %s
    message: '"rule %d"'
    ground: {kind: contractual, reference: terms}
`, i, severities[i%4], i/4, penalty, i)
	}
	return s.String()
}

// denseCase is the actor of a medium spam violation with two user reports:
// six rules match (r0, r1, r4, r5, r8, r9), in either size.
func denseCase() policy.Case {
	v := verifiedViolation("spam", policy.SeverityMedium, "member")
	v.Evidence.Reports = []policy.Report{{Source: policy.SourceUser, At: now.Add(-2 * time.Hour)}, {Source: policy.SourceUser, At: now.Add(-time.Hour)}}
	return policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "member"},
		Violations: []policy.Violation{v}, Now: now}
}

// denseSizes are the two sizes BenchmarkDense compares: the target is the
// 1,000-rule policy within 2× of the 16-rule one.
var denseSizes = []int{16, 1000}

// BenchmarkDense decides the same case on a 16-rule and a 1,000-rule dense
// policy, with warden and with the lookup prototype:
// BenchmarkDense/<rules>/<implementation>. The time ratio of the two sizes
// is what deciding by lookup is meant to bring within 2×.
func BenchmarkDense(b *testing.B) {
	ctx := context.Background()
	c := denseCase()
	for _, n := range denseSizes {
		e, err := policy.Compile("dense.yaml", []byte(densePolicy(n)))
		require.NoError(b, err)
		l, err := newDenseLookup(n)
		require.NoError(b, err)
		tuned, err := newDenseTuned(n)
		require.NoError(b, err)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.Run("warden", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.Decide(ctx, c); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("cel-go-tuned", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tuned.decide(c); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("lookup", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := l.decide(c); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// denseLookup decides the dense policy by the lookup of its case space:
// the prototype of lookup_test.go for rules with literal penalties, over
// the category, the severity, the actor and the number of reports.
type denseLookup struct {
	space    *casespace.Space
	outcomes []outcome
	feeds    []string
}

// denseRules are the dense policy's conditions, checked in one environment,
// with what each rule asks for.
type denseRules struct {
	env      *cel.Env
	when     []*cel.Ast
	outcomes []outcome
}

func compileDense(n int) (*denseRules, error) {
	var spec struct {
		Rules []struct{ ID, When, Penalty, Duration string }
	}
	if err := yaml.Unmarshal([]byte(densePolicy(n)), &spec); err != nil {
		return nil, err
	}
	env, err := cel.NewEnv(
		cel.Variable("violation.category", cel.StringType),
		cel.Variable("violation.severity", cel.IntType),
		cel.Variable("violation.reports", cel.IntType),
		cel.Variable("subject.is_actor", cel.BoolType),
		cel.Constant("category.spam", cel.StringType, types.String("spam")),
		cel.Constant("category.fraud", cel.StringType, types.String("fraud")),
		cel.Constant("severity.low", cel.IntType, types.Int(policy.SeverityLow)),
		cel.Constant("severity.medium", cel.IntType, types.Int(policy.SeverityMedium)),
		cel.Constant("severity.high", cel.IntType, types.Int(policy.SeverityHigh)),
		cel.Constant("severity.critical", cel.IntType, types.Int(policy.SeverityCritical)),
	)
	if err != nil {
		return nil, err
	}
	d := &denseRules{env: env}
	for _, r := range spec.Rules {
		a, iss := env.Compile(r.When)
		if iss.Err() != nil {
			return nil, iss.Err()
		}
		o, err := parseOutcome(r.Penalty, r.Duration)
		if err != nil {
			return nil, err
		}
		d.when, d.outcomes = append(d.when, a), append(d.outcomes, o)
	}
	return d, nil
}

func newDenseLookup(n int) (*denseLookup, error) {
	d, err := compileDense(n)
	if err != nil {
		return nil, err
	}
	l := &denseLookup{outcomes: d.outcomes}
	var exprs []casespace.Expr
	for i, a := range d.when {
		exprs = append(exprs, casespace.Expr{Name: fmt.Sprint("r", i), Ast: a})
	}
	var sevs []ref.Val
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		sevs = append(sevs, types.Int(s))
	}
	fields := casespace.FieldMap{
		"violation.category": casespace.Enum(types.String("spam"), types.String("fraud")),
		"violation.severity": casespace.Enum(sevs...),
		"violation.reports":  casespace.Count(),
		"subject.is_actor":   casespace.Bool(),
	}
	if l.space, err = casespace.Analyze(d.env, fields, exprs, casespace.Options{}); err != nil {
		return nil, err
	}
	for i := range l.space.Exprs() {
		if info := l.space.Expr(i); info.Fallback || len(info.Residuals) > 0 {
			return nil, fmt.Errorf("dense lookup: %s is not decided by the partition", info.Name)
		}
	}
	for _, f := range l.space.Fields() {
		l.feeds = append(l.feeds, f.Name)
	}
	return l, nil
}

func (l *denseLookup) decide(c policy.Case) (outcome, error) {
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		cell := 0
		for f, name := range l.feeds {
			var class int
			switch name {
			case "violation.category":
				idx := 0
				if v.Category == "fraud" {
					idx = 1
				} else if v.Category != "spam" {
					return outcome{}, fmt.Errorf("dense lookup: unknown category %q", v.Category)
				}
				class, _ = l.space.ClassOfKey(f, int64(idx))
			case "violation.severity":
				class, _ = l.space.ClassOfKey(f, int64(v.Severity-policy.SeverityLow))
			case "subject.is_actor":
				actor := 0
				if v.Actor != "" && v.Actor == c.Account.ID {
					actor = 1
				}
				class, _ = l.space.ClassOfKey(f, int64(actor))
			case "violation.reports":
				var err error
				if class, err = l.space.ClassOf(f, types.Int(len(v.Evidence.Reports))); err != nil {
					return outcome{}, err
				}
			}
			cell += class * l.space.Stride(f)
		}
		for _, j := range l.space.Candidates(cell) {
			if o := l.outcomes[j]; o.outranks(best) {
				best = o
			}
		}
	}
	return best, nil
}

// TestDense checks that the dense policies compile and that exactly the
// expected rules match the dense case: those needing at most medium
// severity and at most two reports.
func TestDense(t *testing.T) {
	c := denseCase()
	for _, n := range denseSizes {
		e, err := policy.Compile("dense.yaml", []byte(densePolicy(n)))
		require.NoError(t, err)
		d, err := e.Decide(context.Background(), c)
		require.NoError(t, err)
		var ids []string
		for _, m := range d.Matches {
			ids = append(ids, m.Rule)
		}
		require.ElementsMatch(t, []string{"r0", "r1", "r4", "r5", "r8", "r9"}, ids, "%d rules", n)
		require.Equal(t, policy.PenaltySuspend, d.Penalty)
		l, err := newDenseLookup(n)
		require.NoError(t, err)
		got, err := l.decide(c)
		require.NoError(t, err)
		require.Equal(t, outcome{Penalty: d.Penalty, Duration: d.Duration}, got)
		tuned, err := newDenseTuned(n)
		require.NoError(t, err)
		got, err = tuned.decide(c)
		require.NoError(t, err)
		require.Equal(t, outcome{Penalty: d.Penalty, Duration: d.Duration}, got)
		require.Len(t, l.space.Candidates(cellOfDense(t, l, c)), 6)
	}
}

// cellOfDense is the cell of the dense case, found the generic way.
func cellOfDense(t *testing.T, l *denseLookup, c policy.Case) int {
	v := c.Violations[0]
	values := map[string]ref.Val{
		"violation.category": types.String(v.Category), "violation.severity": types.Int(v.Severity),
		"violation.reports": types.Int(len(v.Evidence.Reports)), "subject.is_actor": types.Bool(v.Actor == c.Account.ID),
	}
	var vals []ref.Val
	for _, name := range l.feeds {
		vals = append(vals, values[name])
	}
	cell, err := l.space.CellOf(vals)
	require.NoError(t, err)
	return cell
}

// denseTuned runs the dense policy as the tuned cel-go contender does:
// every rule one optimized program on a pooled struct activation.
type denseTuned struct {
	rules      []cel.Program
	outcomes   []outcome
	categories map[string]ref.Val // boxed once
	pool       sync.Pool
}

func newDenseTuned(n int) (*denseTuned, error) {
	d, err := compileDense(n)
	if err != nil {
		return nil, err
	}
	t := &denseTuned{outcomes: d.outcomes, categories: map[string]ref.Val{"spam": types.String("spam"), "fraud": types.String("fraud")}}
	t.pool.New = newTunedActivation
	for _, a := range d.when {
		prg, err := d.env.Program(a, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return nil, err
		}
		t.rules = append(t.rules, prg)
	}
	return t, nil
}

func (t *denseTuned) decide(c policy.Case) (outcome, error) {
	a := t.pool.Get().(*tunedActivation)
	defer t.pool.Put(a)
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		cat, ok := t.categories[v.Category]
		if !ok {
			return outcome{}, fmt.Errorf("dense tuned: unknown category %q", v.Category)
		}
		a.category, a.severity = cat, types.Int(v.Severity)
		a.reports = types.Int(len(v.Evidence.Reports))
		a.isActor = types.Bool(v.Actor != "" && v.Actor == c.Account.ID)
		for j, prg := range t.rules {
			out, _, err := prg.Eval(a.frame)
			if err != nil {
				return outcome{}, err
			}
			if o := t.outcomes[j]; out == types.True && o.outranks(best) {
				best = o
			}
		}
	}
	return best, nil
}
