package policy

import (
	"fmt"
	"slices"
	"time"

	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/names"
)

// evalState is the activation of one decision: it resolves the names rule
// expressions use straight from the typed case through the table of
// package names, without reflection, and caches variables so each is
// evaluated at most once per violation.
// States are pooled by the engine; one serves one decision at a time.
type evalState struct {
	names.Scope
	e *Engine
	c Case // a copy of the case being decided
	// viols holds what each violation of the case comes to before any
	// rule reads it, found once by validate: a group case's members share
	// it.
	viols []violationFacts

	// tr records the trace of an explanation; nil for a plain decision.
	tr *tracer
	// done is the done channel of the decision's context, read once per
	// case rather than once per subject.
	done <-chan struct{}
	// matches collects the matches of the decision under way, copied into
	// the Decision at its number once every rule has been considered; or,
	// while lent is set, it is the room of the Decision's own Matches,
	// written in place (DecideInto).
	matches []Match
	lent    bool
	// ends is DecideGroup's room for where each decision's matches end,
	// bystanders its room for telling the members no rule concerns.
	ends       []int
	bystanders bystanderRoom
	// only, while narrowed is set, holds the indexes of the violations
	// decide reads, in order: those a member committed, when no rule can
	// concern them through the others.
	only     []int
	narrowed bool
	// sp, cell and expr are the case space the current violation is
	// decided in, its cell and the candidate's expression; sp is nil on
	// the slow path.
	sp         *compiler.Space
	cell, expr int

	frame *interpreter.ExecutionFrame
	vars  []ref.Val // cached variable values; nil until evaluated
	// varsSet reports that some variable was evaluated since vars was
	// last cleared: a decision the case space decides clears nothing.
	varsSet bool
	strikes functions.LateBoundOp
	// spent is the cost of the decision so far: the tracked cost of each
	// tracked evaluation, the estimate of each untracked one.
	spent uint64
	// checks counts the checks of the call so far (see MaxChecks): all
	// the decisions of a group case share them.
	checks int
	// strikeTimes holds, once strikesSorted is set, the times of the
	// subject's penalties before now, sorted, for countWithin.
	strikeTimes   []time.Time
	strikesSorted bool
}

// violationFacts is what one violation of a case comes to as of the case's
// time, whoever the subject: its category index, its latest review, and
// whether it passed the double judgment.
type violationFacts struct {
	review   *Review
	cat      uint8
	verified bool
	// shared is 1 + the SharedCell of the violation in the account space,
	// once a group case's first member has computed it; 0 before, -1 when
	// it lies outside the space.
	shared int
}

// facts finds the facts of a violation of c, whose category index is cat.
func facts(c *Case, v *Violation, cat uint8) violationFacts {
	r := v.LatestReviewAt(c.Now)
	return violationFacts{review: r, cat: cat, verified: v.Automated() && r != nil && r.Verdict == VerdictConfirmed}
}

var (
	_ interpreter.Activation         = (*evalState)(nil)
	_ interpreter.FunctionActivation = (*evalState)(nil)
)

func newEvalState(e *Engine) *evalState {
	s := &evalState{e: e, vars: make([]ref.Val, len(e.p.Vars))}
	s.Categories = e.p.Categories
	s.strikes = s.strikesImpl
	// The frame lives as long as the state: it is never closed, so never
	// shared, and untracked programs leave nothing in it between runs.
	s.frame, _ = interpreter.NewExecutionFrame(s)
	return s
}

// eval runs a program on the decision's execution frame, or on a frame of
// its own when it tracks its cost, and counts its cost against the
// decision's limit. It does not run a program that could take the decision
// over the limit: an untracked one by its estimate, a tracked one by the
// per-evaluation limit.
func (s *evalState) eval(p compiler.Program) (ref.Val, error) {
	pol := s.e.p
	reserve := p.Cost
	if p.Tracked {
		reserve = pol.CostLimit
	}
	if reserve > pol.DecisionCostLimit-min(s.spent, pol.DecisionCostLimit) {
		return nil, fmt.Errorf("the decision's cost limit of %d is reached (%d spent; this evaluation may cost %d)", pol.DecisionCostLimit, s.spent, reserve)
	}
	if !p.Tracked {
		s.spent += p.Cost
		out, _, err := p.Prg.Eval(s.frame)
		return out, err
	}
	out, det, err := p.Prg.Eval(s)
	if det != nil && det.ActualCost() != nil {
		if s.e.observe != nil {
			s.e.observe(p, *det.ActualCost())
		}
		s.spent += min(*det.ActualCost(), pol.CostLimit)
	} else {
		s.spent += pol.CostLimit
	}
	return out, err
}

// bind points the state at a validated case.
func (s *evalState) bind(c *Case, role Role) {
	s.c = *c
	s.Group, s.Now = &s.c.Group, s.c.Now
	s.checks = 0
	s.bindSubject(role)
}

// bindSubject points the state at the subject of its case.
func (s *evalState) bindSubject(role Role) {
	c := &s.c
	s.Role, s.strikesSorted = role, false
	if c.Target == TargetAccount && c.Account != nil {
		a := c.Account
		s.SubjectID, s.RealName, s.Business = a.ID, a.RealNameVerified, a.Type == AccountBusiness
		s.Created, s.History = a.Created, a.History
	} else {
		g := &s.c.Group
		s.SubjectID, s.RealName, s.Business = g.ID, false, false
		s.Created, s.History = g.Created, g.History
	}
}

// release drops every reference to the case so the pool keeps no data alive.
func (s *evalState) release() {
	s.c = Case{}
	s.Group, s.V, s.Review, s.History = nil, nil, nil, nil
	clear(s.viols) // the reviews point into the case
	s.viols = s.viols[:0]
	s.tr, s.done = nil, nil
	s.sp, s.only, s.narrowed = nil, nil, false
	s.spent = 0
	clear(s.strikeTimes) // the times of the case, and their zones
	s.strikeTimes, s.strikesSorted = s.strikeTimes[:0], false
	s.clearVars()
	if cap(s.matches) > maxPooledMatches {
		s.matches = nil // a rare decision of many matches keeps no memory
	}
	s.dropMatches()
}

// dropMatches empties the matches gathered, dropping what they point to;
// the room beyond them was emptied by the call before.
func (s *evalState) dropMatches() {
	clear(s.matches)
	s.matches = s.matches[:0]
}

// clearVars forgets the variables evaluated, if any.
func (s *evalState) clearVars() {
	if s.varsSet {
		clear(s.vars)
		s.varsSet = false
	}
}

// maxPooledMatches is the most room for matches a pooled state keeps
// (about 90 KB), and maxPooledEnds the most for DecideGroup's ends: room
// for the matches of a large group, which DecideGroup gathers, and the
// ends of a group of thousands.
const (
	maxPooledMatches = 1024
	maxPooledEnds    = 4096
)

// setViolation makes the i-th violation of the case the current one.
func (s *evalState) setViolation(i int) {
	f := &s.viols[i]
	s.V = &s.c.Violations[i]
	s.Cat, s.Review, s.Verified = f.cat, f.review, f.verified
	s.IsActor = s.c.Target == TargetAccount && s.V.Actor != "" && s.V.Actor == s.SubjectID
	s.clearVars()
}

// cellOf computes the cell of the current violation vi in sp. The members
// of a group case share what is not the subject's (share set): the first
// member computes it, the others read it.
func (s *evalState) cellOf(sp *compiler.Space, vi int, share bool) (int, bool) {
	if !share {
		return sp.Cell(&s.Scope)
	}
	shared, ok := s.sharedCell(sp, vi)
	if !ok {
		return 0, false
	}
	return sp.SubjectCell(&s.Scope, shared)
}

// sharedCell is what the fields that are not the subject's add to the cell
// of violation vi, the current one, in sp: worked out by the first member
// of a group case that asks, read by the others.
func (s *evalState) sharedCell(sp *compiler.Space, vi int) (int, bool) {
	f := &s.viols[vi]
	if f.shared == 0 {
		f.shared = -1
		if shared, ok := sp.SharedCell(&s.Scope); ok {
			f.shared = shared + 1
		}
	}
	return f.shared - 1, f.shared > 0
}

// ResolveName implements interpreter.Activation.
func (s *evalState) ResolveName(name string) (any, bool) {
	if v, ok := s.Resolve(name); ok {
		return v, true
	}
	return s.variable(name)
}

// variable evaluates the variable of a qualified name (variables.x) once
// per violation.
func (s *evalState) variable(name string) (any, bool) {
	i, ok := s.e.p.VarIndex[name]
	if !ok {
		return nil, false
	}
	if v := s.vars[i]; v != nil {
		return v, true
	}
	out, err := s.eval(s.e.p.Vars[i].Prg)
	if err != nil {
		out = types.WrapErr(fmt.Errorf("%s: %w", name, err))
	}
	s.vars[i], s.varsSet = out, true
	return out, true
}

// Parent implements interpreter.Activation.
func (s *evalState) Parent() interpreter.Activation { return nil }

// ResolveFunction implements interpreter.FunctionActivation.
func (s *evalState) ResolveFunction(name string) (functions.LateBoundOp, bool) {
	if name == "strikes" {
		return s.strikes, true
	}
	return nil, false
}

func (s *evalState) strikesImpl(_ string, args ...ref.Val) ref.Val {
	if len(args) != 1 {
		return types.NewErr("strikes takes one duration")
	}
	d, ok := args[0].(types.Duration)
	if !ok {
		return types.MaybeNoSuchOverloadErr(args[0])
	}
	return types.Int(s.countWithin(Duration(d.Duration)))
}

// countWithin counts the subject's penalties above none given in the window
// before now. Records from the future do not count. A short history is
// read whole; a longer one is sorted once per subject, the times of its
// penalties before now, and each count is then a binary search: a
// subject's ladders and strikes() over every violation of a case cost the
// history's length once, not once per violation and call.
func (s *evalState) countWithin(window Duration) int {
	from := s.c.Now.Add(-time.Duration(window))
	if len(s.History) <= shortHistory {
		n := 0
		for _, r := range s.History {
			if r.Penalty != PenaltyNone && !r.At.Before(from) && r.At.Before(s.c.Now) {
				n++
			}
		}
		return n
	}
	if !s.strikesSorted {
		s.strikeTimes = s.strikeTimes[:0]
		for _, r := range s.History {
			if r.Penalty != PenaltyNone && r.At.Before(s.c.Now) {
				s.strikeTimes = append(s.strikeTimes, r.At)
			}
		}
		slices.SortFunc(s.strikeTimes, time.Time.Compare)
		s.strikesSorted = true
	}
	first, _ := slices.BinarySearchFunc(s.strikeTimes, from, time.Time.Compare)
	return len(s.strikeTimes) - first
}

// shortHistory is the longest history countWithin reads whole.
const shortHistory = 16

// holds reports whether a candidate rule's condition holds: what its
// indexes left of it, as CEL's && would (false wins over an error).
func (s *evalState) holds(r *compiler.Rule) (bool, error) {
	switch {
	case r.Implied:
		return true, nil
	case r.VarChecks == nil:
		return s.evalBool(r.Cond)
	}
	var failed error
	for _, vc := range r.VarChecks {
		v, _ := s.variable(vc.Name)
		b, ok := v.(types.Bool)
		if !ok {
			failed = fmt.Errorf("%s is not a bool: %v", vc.Name, v)
			continue
		}
		if bool(b) == vc.Negate {
			return false, nil
		}
	}
	return failed == nil, failed
}

// holdsIn reports whether a candidate rule's condition holds in the cell of
// the case space the current violation lies in: a match there, or what its
// residual comes to; a rule that fell back is evaluated as without the space.
func (s *evalState) holdsIn(sp *compiler.Space, cell, expr int, r *compiler.Rule) (bool, error) {
	if sp.Fallback(expr) {
		return s.holds(r)
	}
	if p, ok := sp.Residual(cell, expr); ok {
		return s.evalBool(p)
	}
	return true, nil
}

// decidedPenalty is the value of the current candidate's penalty
// expression when the case space decides it in the current cell.
func (s *evalState) decidedPenalty() (ref.Val, bool) {
	if s.sp == nil {
		return nil, false
	}
	return s.sp.Penalty(s.cell, s.expr)
}

// evalBool runs a condition.
func (s *evalState) evalBool(p compiler.Program) (bool, error) {
	out, err := s.eval(p)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("condition yielded %s, not a bool", out.Type().TypeName())
	}
	return bool(b), nil
}
