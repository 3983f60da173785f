package policy

import (
	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/lang"
)

// Option configures Compile.
type Option func(*options)

type options struct {
	costLimit uint64
	// maxCells bounds each target's case space; negative: no space.
	maxCells int
}

// withoutCaseSpace compiles without the case space: every rule is decided
// by evaluating its condition, the reference that deciding by lookup is
// tested against.
func withoutCaseSpace() Option {
	return func(o *options) { o.maxCells = -1 }
}

// withMaxCells sets the size limit of each target's case space, so that
// tests can make rules fall back.
func withMaxCells(n int) Option {
	return func(o *options) { o.maxCells = n }
}

// WithCostLimit sets the runtime cost limit of each CEL evaluation. By
// default it is the policy's cost budget, which the estimated cost of every
// rule is already checked against, so runtime tracking is needed (and paid
// for) only by rules whose estimate exceeds a lower limit set here. A rule
// that runs over the limit is recorded in [Decision.Errors] and does not count.
func WithCostLimit(limit uint64) Option {
	return func(o *options) { o.costLimit = limit }
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
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	spec, errs := lang.Parse(file, src)
	if spec == nil {
		return nil, errs.Sorted()
	}
	p := compiler.Compile(spec, errs, o.costLimit, o.maxCells)
	if p == nil {
		return nil, errs.Sorted()
	}
	return newEngine(p), nil
}
