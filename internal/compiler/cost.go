package compiler

import (
	"strings"

	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
)

// estimator gives the cost estimator the bounds that case validation enforces.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	var s cost.SizeEstimate
	switch t := n.Type(); {
	case t == nil:
		return nil
	case t.IsExactType(types.StringType) && len(n.Path()) > 0:
		s = cost.SizeEstimate{Min: 0, Max: MaxIDLen}
	case strings.HasPrefix(t.TypeName(), "warden."):
		s = cost.FixedSizeEstimate(1)
	default:
		return nil
	}
	return &s
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	switch overloadID {
	case "strikes_duration", "verified_violation":
		// Both read a list that case validation bounds: the history, the reviews.
		return cost.NewCallEstimate(cost.RangedCostEstimate(1, MaxHistory), nil)
	}
	return nil
}
