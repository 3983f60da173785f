package benchmarks

import (
	"context"
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/groupwarden/warden/policy"
)

// celTuned is the best a careful cel-go user would write for the same rules
// as celLoop: each rule one program built with cel.OptOptimize, the fields
// declared as flat typed variables (violation.severity, subject.role ...),
// resolved by a struct activation that is reused from a pool together with
// its execution frame, and every value pre-boxed so that binding a case
// allocates nothing. Like celLoop it has no index: every rule runs for every
// violation.
type celTuned struct {
	rules []celRule
	// categories holds each category's name and zero tolerance, boxed once.
	categories map[string]tunedCategory
	roles      [policy.RoleMember + 1]ref.Val
	severities [policy.SeverityCritical + 1]ref.Val
	pool       sync.Pool // of *tunedActivation
}

type tunedCategory struct{ name, zeroTolerance ref.Val }

// tunedActivation resolves the names the account rules read (and the
// dense policy's number of reports) from fields set per violation, never
// from a map.
type tunedActivation struct {
	category, severity, zeroTolerance, reports ref.Val
	role, isActor                              ref.Val
	frame                                      *interpreter.ExecutionFrame
}

var _ interpreter.Activation = (*tunedActivation)(nil)

// ResolveName implements interpreter.Activation.
func (a *tunedActivation) ResolveName(name string) (any, bool) {
	switch name {
	case "violation.category":
		return a.category, true
	case "violation.severity":
		return a.severity, true
	case "violation.zero_tolerance":
		return a.zeroTolerance, true
	case "violation.reports":
		return a.reports, true
	case "subject.role":
		return a.role, true
	case "subject.is_actor":
		return a.isActor, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *tunedActivation) Parent() interpreter.Activation { return nil }

func newCELTuned() (*celTuned, error) {
	ar, err := compileAccountRules([]cel.EnvOption{
		cel.Variable("violation.category", cel.StringType),
		cel.Variable("violation.severity", cel.IntType),
		cel.Variable("violation.zero_tolerance", cel.BoolType),
		cel.Variable("subject.role", cel.StringType),
		cel.Variable("subject.is_actor", cel.BoolType),
	}, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	t := &celTuned{rules: ar.rules, categories: map[string]tunedCategory{}}
	for name, zt := range ar.zeroTolerant {
		t.categories[name] = tunedCategory{types.String(name), types.Bool(zt)}
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		t.roles[r] = types.String(r.String())
	}
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		t.severities[s] = types.Int(s)
	}
	t.pool.New = newTunedActivation
	return t, nil
}

func newTunedActivation() any {
	a := &tunedActivation{}
	// The frame is never closed, so never returned to cel-go's own pool and
	// shared with nobody; it lives as long as the activation.
	a.frame, _ = interpreter.NewExecutionFrame(a)
	return a
}

// decide binds each violation into a pooled activation and evaluates every
// rule on its frame.
func (t *celTuned) decide(_ context.Context, c policy.Case) (outcome, error) {
	acc := c.Account
	role, err := subjectRole(c)
	if err != nil {
		return outcome{}, err
	}
	a := t.pool.Get().(*tunedActivation)
	defer t.pool.Put(a)
	a.role = t.roles[role]
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		cat, ok := t.categories[v.Category]
		if !ok || v.Severity < policy.SeverityLow || v.Severity > policy.SeverityCritical {
			return outcome{}, fmt.Errorf("cel-go tuned: violation %s: unknown category or severity", v.ID)
		}
		a.category, a.zeroTolerance, a.severity = cat.name, cat.zeroTolerance, t.severities[v.Severity]
		a.isActor = types.Bool(v.Actor != "" && v.Actor == acc.ID)
		for j := range t.rules {
			r := &t.rules[j]
			out, _, err := r.when.Eval(a.frame)
			if err != nil {
				return outcome{}, fmt.Errorf("rule %s: %w", r.id, err)
			}
			if out != types.True {
				continue
			}
			o, err := r.ask(a.frame, acc.History, c.Now)
			if err != nil {
				return outcome{}, fmt.Errorf("rule %s: %w", r.id, err)
			}
			if o.outranks(best) {
				best = o
			}
		}
	}
	return best, nil
}
