package compiler

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/vocab"
)

// PenaltyExprs are the penalty expressions of the target's rules, named
// "<rule>.penalty", for verification to pass to [Policy.Analyze] as
// extras: a space cut where a penalty expression compares a field holds
// cases that every rule asks the same of.
func (p *Policy) PenaltyExprs(t vocab.Target) []casespace.Expr {
	var out []casespace.Expr
	for _, r := range p.Rules {
		if r.Target == t && r.penaltyAst != nil {
			out = append(out, casespace.Expr{Name: r.ID + ".penalty", Ast: r.penaltyAst})
		}
	}
	return out
}

// Variable returns the checked expression of the variable of a qualified
// name (variables.x), for verification to read the constants a residual
// reference to it compares with.
func (p *Policy) Variable(name string) (*ast.AST, bool) {
	a, ok := p.varAsts[name]
	if !ok {
		return nil, false
	}
	return a.NativeRep(), true
}

// EstimateCost estimates the maximum cost of one evaluation of an
// expression checked in the policy's environment or [Policy.PropertyEnv],
// the variables it reads included, as the compiler estimates a rule's.
func (p *Policy) EstimateCost(env *cel.Env, a *cel.Ast) (uint64, error) {
	total, _, err := estimate(env, a, p.varSizes, p.varCost)
	return total, err
}
