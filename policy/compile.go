package policy

import (
	"context"
	"fmt"

	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/lang"
)

// Option configures Compile.
type Option func(*options)

type options = compiler.Options

// withoutCaseSpace compiles without the case space: every rule is decided
// by evaluating its condition, the reference that deciding by lookup is
// tested against.
func withoutCaseSpace() Option {
	return func(o *options) { o.MaxCells = -1 }
}

// withMaxCells sets the size limit of each target's case space, so that
// tests can make rules fall back.
func withMaxCells(n int) Option {
	return func(o *options) { o.MaxCells = n }
}

// WithCostLimit sets the runtime cost limit of each CEL evaluation. By
// default it is the policy's cost budget, which the estimated cost of every
// rule is already checked against, so runtime tracking is needed (and paid
// for) only by rules whose estimate exceeds a lower limit set here. A rule
// that runs over the limit is recorded in [Decision.Errors], and the
// decision is held for review. The limit changes decisions, so a limit
// other than the budget is part of the policy's digest.
func WithCostLimit(limit uint64) Option {
	return func(o *options) { o.CostLimit = limit }
}

// DefaultDecisionCostLimit is the cost limit of one decision on every
// engine that [WithDecisionCostLimit] does not set: the sum over every
// evaluation of every rule and variable for every violation of the case.
const DefaultDecisionCostLimit = compiler.DefaultDecisionCostLimit

// MaxCostBudget is the largest settings.cost_budget a policy may declare.
const MaxCostBudget = lang.MaxCostBudget

// WithDecisionCostLimit sets the cost limit of one decision (by default
// [DefaultDecisionCostLimit]). An evaluation is counted at its estimated
// cost when the estimate proves it under the per-evaluation limit, and at
// its tracked cost otherwise; an evaluation that could take the decision
// over the limit does not run, and is recorded in [Decision.Errors] with
// the decision held for review. A decision never costs more than the
// limit, and all the decisions of one [Engine.DecideGroup] call together
// never cost more than the limit or [DefaultDecisionCostLimit], whichever
// is more: a group case whose decisions would is refused. The limit
// changes decisions, so a limit other than the default is part of the
// policy's digest.
func WithDecisionCostLimit(limit uint64) Option {
	return func(o *options) { o.DecisionCostLimit = limit }
}

// Compile checks a policy document and returns the engine that decides cases
// under it. file names the document in error positions. Every problem found
// is reported at once, as an [ErrorList] sorted by position.
//
// Compiling runs in two stages, each in its own internal package: the
// policy language reads the YAML into a spec tree that keeps every value's
// position, and the compiler type-checks the CEL, estimates its cost and
// indexes the rules by the categories and roles their conditions require.
func Compile(file string, src []byte, opts ...Option) (*Engine, error) {
	return CompileContext(context.Background(), file, src, opts...)
}

// CompileContext is [Compile] under a context: once ctx ends, compiling
// stops (between variables, rules and cells of the case space, so within
// a fraction of a second) and returns an error that wraps the context's
// cause, and no engine. A server that compiles policies it is sent uses
// it to bound the time of each.
func CompileContext(ctx context.Context, file string, src []byte, opts ...Option) (*Engine, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("policy: compiling %s: %w", file, err)
	}
	spec, errs := lang.Parse(file, src)
	if spec == nil {
		return nil, errs.Sorted()
	}
	p, err := compiler.Compile(ctx, spec, errs, o)
	switch {
	case err != nil:
		return nil, fmt.Errorf("policy: compiling %s: %w", file, err)
	case p == nil:
		return nil, errs.Sorted()
	}
	return newEngine(p), nil
}
