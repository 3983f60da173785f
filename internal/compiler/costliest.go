package compiler

import (
	"fmt"
	"math"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/parser"
)

// part is a sub-expression and its estimated maximum cost, the variables
// it reads included.
type part struct {
	expr ast.Expr
	cost uint64
}

// costliest finds what makes a checked expression cost more than budget:
// from the whole, it steps into the costliest operand for as long as that
// operand alone is over the budget, and returns where it stops; when no
// operand alone is over, the costliest operand of the whole. It reports
// false when the expression has no operands to tell apart.
func (c *compiler) costliest(checked *cel.Ast, budget uint64) (part, bool) {
	estimate := func(e ast.Expr) uint64 { return c.estimate(checked, e) }
	root := checked.NativeRep().Expr()
	at := part{expr: root}
	for {
		var best part
		found := false
		for _, k := range operands(at.expr) {
			if p := (part{k, estimate(k)}); !found || p.cost > best.cost {
				best, found = p, true
			}
		}
		switch {
		case !found && at.expr == root:
			return part{}, false
		case !found:
			return at, true
		case best.cost > budget || at.expr == root:
			at = best
			if best.cost <= budget {
				return at, true
			}
		default:
			return at, true
		}
	}
}

// estimate returns the estimated maximum cost of a sub-expression of a
// checked expression, the variables it reads included.
func (c *compiler) estimate(checked *cel.Ast, e ast.Expr) uint64 {
	native := checked.NativeRep()
	sub := ast.NewCheckedAST(ast.NewAST(e, native.SourceInfo()), native.TypeMap(), native.ReferenceMap())
	var total uint64
	if est, err := cost.Cost(sub, estimator{sizes: c.varSizes}); err == nil {
		total = est.Max
	}
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(x ast.Expr) {
		if ref, ok := native.ReferenceMap()[x.ID()]; ok && strings.HasPrefix(ref.Name, NSVariables+".") {
			total = addSat(total, c.varCost[ref.Name])
		}
	}))
	return total
}

// operands returns the sub-expressions of e whose costs add up to its own:
// the target and arguments of a call, the operand of a selection, the
// elements of a list, the range of a comprehension (its other parts run
// once per element, so the comprehension is the costly part).
func operands(e ast.Expr) []ast.Expr {
	switch e.Kind() {
	case ast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			return append([]ast.Expr{call.Target()}, call.Args()...)
		}
		return call.Args()
	case ast.SelectKind:
		return []ast.Expr{e.AsSelect().Operand()}
	case ast.ListKind:
		return e.AsList().Elements()
	case ast.ComprehensionKind:
		return []ast.Expr{e.AsComprehension().IterRange()}
	}
	return nil
}

// overBudget is the message of an expression whose estimated cost is over
// the budget, with the costliest part of it, and the position of that part
// in the expression (line and column of CEL, from 1 and from 0), or 0, 0.
func (c *compiler) overBudget(checked *cel.Ast, total uint64) (string, int, int) {
	budget := c.spec.Settings.CostBudget
	msg := fmt.Sprintf("estimated cost %d is over the budget of %d (settings.cost_budget)", total, budget)
	if total == math.MaxUint64 {
		msg = fmt.Sprintf("the estimated cost has no bound, so it is over the budget of %d (settings.cost_budget)", budget)
	}
	p, ok := c.costliest(checked, budget)
	if !ok {
		return msg, 0, 0
	}
	info := checked.NativeRep().SourceInfo()
	src, err := parser.Unparse(p.expr, info)
	if err != nil {
		return msg, 0, 0
	}
	if p.cost == math.MaxUint64 {
		msg += fmt.Sprintf("; the part with no bound is %s", src)
	} else {
		msg += fmt.Sprintf("; the costliest part is %s, estimated at up to %d", src, p.cost)
	}
	if ops := operands(p.expr); len(ops) > 1 && len(ops) <= 3 && p.expr.Kind() == ast.CallKind {
		// No operand alone is over: say what each costs.
		var each []string
		bounded := true
		for _, o := range ops {
			if s, err := parser.Unparse(o, info); err == nil {
				cost := c.estimate(checked, o)
				bounded = bounded && cost != math.MaxUint64
				each = append(each, fmt.Sprintf("%s %s", s, upTo(cost)))
			}
		}
		msg += " (" + strings.Join(each, ", ") + ")"
		if bounded && p.cost == math.MaxUint64 {
			msg += ": each operand is bounded, but not the size of what it builds"
		}
	}
	if strings.HasPrefix(src, "strikes(") {
		msg += fmt.Sprintf(" (it reads up to %d records of the history)", MaxHistory)
	}
	line, col := startOf(p.expr, info)
	return msg, line, col
}

// upTo says an estimated maximum cost: "up to 1001", or "with no bound".
func upTo(cost uint64) string {
	if cost == math.MaxUint64 {
		return "with no bound"
	}
	return fmt.Sprintf("up to %d", cost)
}

// startOf returns where an expression's text starts (CEL places a call at
// its parenthesis and a selection at its dot).
func startOf(e ast.Expr, info *ast.SourceInfo) (int, int) {
	switch e.Kind() {
	case ast.CallKind:
		if call := e.AsCall(); call.IsMemberFunction() {
			return startOf(call.Target(), info)
		} else if fn := call.FunctionName(); !strings.HasPrefix(fn, "_") {
			loc := info.GetStartLocation(e.ID())
			return loc.Line(), max(loc.Column()-len(fn), 0)
		} else if strings.HasSuffix(fn, "_") && len(call.Args()) > 0 && fn != "!_" && fn != "-_" {
			return startOf(call.Args()[0], info) // an infix operator
		}
	case ast.SelectKind:
		return startOf(e.AsSelect().Operand(), info)
	case ast.IdentKind:
		// A qualified name the checker resolved, placed at its last dot.
		if i := strings.LastIndexByte(e.AsIdent(), '.'); i >= 0 {
			loc := info.GetStartLocation(e.ID())
			return loc.Line(), max(loc.Column()-i, 0)
		}
	}
	loc := info.GetStartLocation(e.ID())
	return loc.Line(), loc.Column()
}
