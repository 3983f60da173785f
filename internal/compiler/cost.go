package compiler

import (
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
)

// estimator gives the cost estimator the bounds that case validation
// enforces, and the sizes of the policy's own variables, so that the
// estimate is sound for values built at run time: a string, list or map
// variable is as large as its expression can make it (through +,
// comprehensions and the variables it reads), not as large as a case field.
type estimator struct {
	// sizes holds the size bound of each variable of a sized type (string,
	// bytes, list, map) by qualified name; a variable missing from it has
	// no known bound, which makes every size-dependent cost over it unknown.
	sizes map[string]cost.SizeEstimate
	// probe, when set, receives the size of the argument of every size()
	// call, the outermost last.
	probe *cost.SizeEstimate
}

func (e estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	var s cost.SizeEstimate
	path := n.Path()
	switch t := n.Type(); {
	case t == nil:
		return nil
	case len(path) > 0 && strings.HasPrefix(path[0], NSVariables+"."):
		// The checker resolves variables.x to one identifier.
		if !sized(t) || len(path) > 1 {
			return nil
		}
		s, ok := e.sizes[path[0]]
		if !ok {
			return nil
		}
		return &s
	case t.IsExactType(types.StringType) && len(path) > 0:
		s = cost.SizeEstimate{Min: 0, Max: MaxIDLen}
	case strings.HasPrefix(t.TypeName(), "warden."):
		s = cost.FixedSizeEstimate(1)
	default:
		return nil
	}
	return &s
}

func (e estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	switch overloadID {
	case "strikes_duration", "verified_violation":
		// Both read a list that case validation bounds: the history, the reviews.
		return cost.NewCallEstimate(cost.RangedCostEstimate(1, MaxHistory), nil)
	}
	if e.probe != nil && function == "size" {
		var arg cost.AstNode
		switch {
		case target != nil:
			arg = *target
		case len(args) == 1:
			arg = args[0]
		}
		*e.probe = cost.EstimateSize(e, arg)
	}
	return nil
}

// sized reports whether values of type t have a size that costs depend on.
func sized(t *types.Type) bool {
	switch t.Kind() {
	case types.StringKind, types.BytesKind, types.ListKind, types.MapKind:
		return true
	}
	return false
}

// varSize bounds the size of a variable's value: the size the estimator
// gives the argument of size(expression). ok is false when there is no
// bound, or the probe does not type-check.
func (c *compiler) varSize(env *cel.Env, src string) (cost.SizeEstimate, bool) {
	// The newline ends a trailing comment of the expression.
	probe, iss := env.Compile("size(" + src + "\n)")
	if iss.Err() != nil {
		return cost.SizeEstimate{}, false
	}
	var s cost.SizeEstimate
	if _, err := env.EstimateCost(probe, estimator{sizes: c.varSizes, probe: &s}); err != nil {
		return cost.SizeEstimate{}, false
	}
	if s.IsUnknown() {
		return s, false
	}
	return s, true
}
