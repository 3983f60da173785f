package benchmarks

import (
	"context"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/policy"
)

// caseLookup is a prototype of deciding by lookup, not warden's engine: the
// same account rules as the cel-go contenders, compiled once more into the
// case space of internal/casespace, so that a decision computes each
// violation's cell and reads the rules that match there (and the value of
// the penalty expression) instead of evaluating any CEL. Ladders are applied
// in Go as by the other contenders. It measures what the lookup itself
// costs, before an engine adds guards, messages and a full Decision.
type caseLookup struct {
	rules []celRule
	space *casespace.Space
	// penaltyExpr is, for each rule with a penalty expression, the index of
	// that expression in the space (-1 for the others).
	penaltyExpr []int
	// Per field of the space, what feeds it and its stride; per category
	// name, its index in the catalogue.
	feeds      []lookupFeed
	categories map[string]int
}

// lookupFeed says which value of a case a field of the space reads.
type lookupFeed uint8

const (
	feedCategory lookupFeed = iota
	feedSeverity
	feedRole
	feedActor
)

func newCaseLookup() (*caseLookup, error) {
	ar, err := compileAccountRules([]cel.EnvOption{
		cel.Variable("violation.category", cel.StringType),
		cel.Variable("violation.severity", cel.IntType),
		cel.Variable("violation.zero_tolerance", cel.BoolType),
		cel.Variable("subject.role", cel.StringType),
		cel.Variable("subject.is_actor", cel.BoolType),
	})
	if err != nil {
		return nil, err
	}
	l := &caseLookup{rules: ar.rules, categories: map[string]int{}}
	var cats, sevs, roles []ref.Val
	for i, c := range ar.categories {
		cats = append(cats, types.String(c))
		l.categories[c] = i
	}
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		sevs = append(sevs, types.Int(s))
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		roles = append(roles, types.String(r.String()))
	}
	fields := casespace.FieldMap{
		"violation.category": casespace.Enum(cats...),
		"violation.severity": casespace.Enum(sevs...),
		"violation.zero_tolerance": casespace.Derived("violation.category", func(v ref.Val) ref.Val {
			return types.Bool(ar.zeroTolerant[string(v.(types.String))])
		}),
		"subject.role":     casespace.Enum(roles...),
		"subject.is_actor": casespace.Bool(),
	}
	var exprs []casespace.Expr
	for _, r := range ar.rules {
		exprs = append(exprs, casespace.Expr{Name: r.id, Ast: r.whenAst})
	}
	for _, r := range ar.rules {
		l.penaltyExpr = append(l.penaltyExpr, -1)
		if r.penaltyAst != nil {
			l.penaltyExpr[len(l.penaltyExpr)-1] = len(exprs)
			exprs = append(exprs, casespace.Expr{Name: r.id + ".penalty", Ast: r.penaltyAst})
		}
	}
	if l.space, err = casespace.Analyze(ar.env, fields, exprs, casespace.Options{}); err != nil {
		return nil, err
	}
	for i, f := range l.space.Fields() {
		switch f.Name {
		case "violation.category":
			l.feeds = append(l.feeds, feedCategory)
		case "violation.severity":
			l.feeds = append(l.feeds, feedSeverity)
		case "subject.role":
			l.feeds = append(l.feeds, feedRole)
		case "subject.is_actor":
			l.feeds = append(l.feeds, feedActor)
		default:
			return nil, fmt.Errorf("lookup: field %d %s has no feed", i, f.Name)
		}
	}
	for i := range l.space.Exprs() {
		if info := l.space.Expr(i); info.Fallback || len(info.Residuals) > 0 {
			return nil, fmt.Errorf("lookup: %s is not decided by the partition: %v", info.Name, info.Residuals)
		}
	}
	return l, nil
}

// decide computes each violation's cell, O(fields), and asks the rules that
// match there.
func (l *caseLookup) decide(_ context.Context, c policy.Case) (outcome, error) {
	acc := c.Account
	role, err := subjectRole(c)
	if err != nil {
		return outcome{}, err
	}
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		cat, ok := l.categories[v.Category]
		if !ok || v.Severity < policy.SeverityLow || v.Severity > policy.SeverityCritical {
			return outcome{}, fmt.Errorf("lookup: violation %s: unknown category or severity", v.ID)
		}
		cell := 0
		for f, feed := range l.feeds {
			var idx int
			switch feed {
			case feedCategory:
				idx = cat
			case feedSeverity:
				idx = int(v.Severity - policy.SeverityLow)
			case feedRole:
				idx = int(role - policy.RoleOwner)
			case feedActor:
				if v.Actor != "" && v.Actor == acc.ID {
					idx = 1
				}
			}
			class, _ := l.space.ClassOfKey(f, int64(idx))
			cell += class * l.space.Stride(f)
		}
		for _, j := range l.space.Candidates(cell) {
			if j >= len(l.rules) {
				continue // a penalty expression, read below
			}
			r := &l.rules[j]
			var o outcome
			switch {
			case r.ladder != nil:
				o = r.step(acc.History, c.Now)
			case r.penaltyX != nil:
				p, ok := l.space.Result(cell, l.penaltyExpr[j]).Value.(types.Int)
				if !ok {
					return outcome{}, fmt.Errorf("rule %s: no decided penalty", r.id)
				}
				o = withDuration(policy.Penalty(p), r.duration)
			default:
				o = r.penalty
			}
			if o.outranks(best) {
				best = o
			}
		}
	}
	return best, nil
}
