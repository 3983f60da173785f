package policy

import (
	"slices"
	"sync"

	"github.com/groupwarden/warden/internal/casespace"
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
	// maxChecks is MaxChecks, which tests lower.
	maxChecks int
	// rulesOf counts the rules of each target: those an explanation
	// traces for each violation of a case of that target.
	rulesOf [TargetGroup + 1]int
}

func newEngine(p *compiler.Policy) *Engine {
	e := &Engine{p: p, maxChecks: MaxChecks}
	for _, r := range p.Rules {
		e.rulesOf[r.Target]++
	}
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
	i, ok := e.p.CategoryIndex(name)
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
	// Partition says how much of the rule's condition the case space of its
	// target decides; nil when the target has no case space.
	Partition *Partition `json:"partition,omitempty"`
}

// Partition says how much of a rule's `when` condition the case space
// decides: the compiled policy partitions the finite case fields its rules
// compare (category, severity, role, the booleans, counts and ages cut at
// the policy's constants) into cells, and per cell knows whether the rule
// matches, does not, or what is left to evaluate on the case.
type Partition struct {
	// Fields are the case fields whose classes decide the condition.
	Fields []string `json:"fields,omitempty"`
	// Residuals are the parts of the condition left to evaluate on the
	// case, as CEL: empty when the partition decides it entirely.
	Residuals []string `json:"residuals,omitempty"`
	// Fallback is set when the condition would have taken the case space
	// over its size limit ([MaxCells]): it is evaluated whole on every case.
	Fallback bool `json:"fallback,omitempty"`
	// PenaltyDecided is set when the rule's penalty is an expression whose
	// value the partition decides in every cell: it is read, not evaluated.
	PenaltyDecided bool `json:"penalty_decided,omitempty"`
}

// MaxCells is the size limit of the case space of each target: the number
// of cells of its partition. Rules are admitted in the order declared, each
// with all the fields it cuts; a rule that would take the space over the
// limit falls back ([Partition.Fallback]) and is decided by evaluating its
// condition, as it would be without the space.
const MaxCells = casespace.DefaultMaxCells

// Rules lists the policy's rules in the order they were declared.
func (e *Engine) Rules() []RuleInfo {
	out := make([]RuleInfo, len(e.p.Rules))
	for i, r := range e.p.Rules {
		out[i] = RuleInfo{ID: r.ID, Description: r.Description, Target: r.Target}
		if sp := r.Space; sp != nil {
			out[i].Partition = &Partition{Fields: slices.Clone(sp.Fields), Residuals: slices.Clone(sp.Residuals),
				Fallback: sp.Fallback, PenaltyDecided: sp.PenaltyDecided}
		}
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
