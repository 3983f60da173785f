package policy

import (
	"slices"
	"sync"

	"github.com/groupwarden/warden/internal/compiler"
)

// Engine decides cases under one compiled policy. It is immutable and safe
// for concurrent use; build it once with [Compile] or [Default].
type Engine struct {
	p    *compiler.Policy
	pool sync.Pool
	// observe, set by tests only, sees the tracked cost of each tracked
	// evaluation.
	observe func(p compiler.Program, actual uint64)
}

func newEngine(p *compiler.Policy) *Engine {
	e := &Engine{p: p}
	e.pool.New = func() any { return newEvalState(e) }
	return e
}

// Policy identifies the compiled policy: its name, version and digest.
func (e *Engine) Policy() PolicyRef { return e.p.Ref }

// Canonical returns the canonical form of the policy (JSON, with defaults
// filled in) whose sha256 is the digest.
func (e *Engine) Canonical() []byte { return slices.Clone(e.p.Canonical) }

// Categories returns the category catalogue in the order it was declared.
func (e *Engine) Categories() []Category { return slices.Clone(e.p.Categories) }

// Category returns the catalogue entry named name.
func (e *Engine) Category(name string) (Category, bool) {
	i, ok := e.p.CatIndex[name]
	if !ok {
		return Category{}, false
	}
	return e.p.Categories[i], true
}

// RuleInfo describes a rule of a compiled policy.
type RuleInfo struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Target      Target `json:"target"`
}

// Rules lists the policy's rules in the order they were declared.
func (e *Engine) Rules() []RuleInfo {
	out := make([]RuleInfo, len(e.p.Rules))
	for i, r := range e.p.Rules {
		out[i] = RuleInfo{ID: r.ID, Description: r.Description, Target: r.Target}
	}
	return out
}

// BlastRadius is how many accounts one enforcement plan may touch before it
// needs a second approval (settings.blast_radius). The engine does not use
// it: package enforcement's planner reads it to set
// Plan.NeedsSecondApproval.
func (e *Engine) BlastRadius() int { return e.p.BlastRadius }

// Appeal is the route and window of appeals against the policy's decisions
// (appeal in the document). Every decision above none carries it in
// [Decision.Appeal], which is where notices, statements of reasons and
// package appeal read it; it is here for a program that shows it before
// any decision.
func (e *Engine) Appeal() Appeal { return e.p.Appeal }
