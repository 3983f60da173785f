package policy

import (
	"fmt"
	"reflect"
	"time"

	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
)

// evalState is the activation of one decision: it resolves the names rule
// expressions use straight from the typed case, without maps or reflection,
// and caches variables so each is evaluated at most once per violation.
// States are pooled by the engine; one serves one decision at a time.
type evalState struct {
	e   *Engine
	c   Case // a copy of the case being decided
	v   *Violation
	cat uint8
	// cats holds the category index of each violation, found by validate.
	cats []uint8
	// review is the current violation's latest review as of the case's
	// time; verified whether it passed the double judgment then.
	review   *Review
	verified bool

	subjectID string
	role      Role
	isActor   bool
	realName  bool
	business  bool
	created   time.Time
	history   []Record

	frame   *interpreter.ExecutionFrame
	vars    []ref.Val // cached variable values; nil until evaluated
	strikes functions.LateBoundOp
}

var (
	_ interpreter.Activation         = (*evalState)(nil)
	_ interpreter.FunctionActivation = (*evalState)(nil)
)

func newEvalState(e *Engine) *evalState {
	s := &evalState{e: e, vars: make([]ref.Val, len(e.p.Vars))}
	s.strikes = s.strikesImpl
	// The frame lives as long as the state: it is never closed, so never
	// shared, and untracked programs leave nothing in it between runs.
	s.frame, _ = interpreter.NewExecutionFrame(s)
	return s
}

// eval runs a program on the decision's execution frame, or on a frame of
// its own when it tracks its cost.
func (s *evalState) eval(p compiler.Program) (ref.Val, error) {
	var out ref.Val
	var err error
	if p.Tracked {
		out, _, err = p.Prg.Eval(s)
	} else {
		out, _, err = p.Prg.Eval(s.frame)
	}
	return out, err
}

// bind points the state at a validated case.
func (s *evalState) bind(c *Case, role Role) {
	s.c = *c
	s.bindSubject(role)
}

// bindSubject points the state at the subject of its case.
func (s *evalState) bindSubject(role Role) {
	c := &s.c
	s.role = role
	if c.Target == TargetAccount && c.Account != nil {
		a := c.Account
		s.subjectID, s.realName, s.business = a.ID, a.RealNameVerified, a.Type == AccountBusiness
		s.created, s.history = a.Created, a.History
	} else {
		g := &s.c.Group
		s.subjectID, s.realName, s.business = g.ID, false, false
		s.created, s.history = g.Created, g.History
	}
}

// release drops every reference to the case so the pool keeps no data alive.
func (s *evalState) release() {
	s.c = Case{}
	s.v, s.review = nil, nil
	s.history = nil
	s.cats = s.cats[:0]
	clear(s.vars)
}

// setViolation makes the i-th violation of the case the current one.
func (s *evalState) setViolation(i int) {
	s.v = &s.c.Violations[i]
	s.cat = s.cats[i]
	s.review = s.v.LatestReviewAt(s.c.Now)
	s.verified = s.v.Automated() && s.review != nil && s.review.Verdict == VerdictConfirmed
	s.isActor = s.c.Target == TargetAccount && s.v.Actor != "" && s.v.Actor == s.subjectID
	clear(s.vars)
}

// ResolveName implements interpreter.Activation.
func (s *evalState) ResolveName(name string) (any, bool) {
	switch name {
	case "violation":
		return violationVal{s}, true
	case "violation.id":
		return types.String(s.v.ID), true
	case "violation.category":
		return celx.Category(s.cat), true
	case "violation.severity":
		return celx.Severity(s.v.Severity), true
	case "violation.verified":
		return types.Bool(s.verified), true
	case "violation.automated":
		return types.Bool(s.v.Automated()), true
	case "violation.confidence":
		return types.Double(s.v.Confidence()), true
	case "violation.reports":
		return types.Int(len(s.v.Evidence.Reports)), true
	case "violation.trusted_report":
		return types.Bool(trustedReport(s.v)), true
	case "violation.zero_tolerance":
		return types.Bool(s.e.p.Categories[s.cat].ZeroTolerance), true
	case "subject.id":
		return types.String(s.subjectID), true
	case "subject.role":
		return celx.Role(s.role), true
	case "subject.is_actor":
		return types.Bool(s.isActor), true
	case "subject.real_name":
		return types.Bool(s.realName), true
	case "subject.business":
		return types.Bool(s.business), true
	case "subject.age":
		return types.Duration{Duration: s.age(s.created)}, true
	case "subject.prior_penalties":
		return types.Int(len(s.history)), true
	case "group.id":
		return types.String(s.c.Group.ID), true
	case "group.members":
		return types.Int(s.c.Group.Members), true
	case "group.admins":
		return types.Int(len(s.c.Group.Admins)), true
	case "group.age":
		return types.Duration{Duration: s.age(s.c.Group.Created)}, true
	case "now":
		return types.Timestamp{Time: s.c.Now}, true
	}
	return s.variable(name)
}

// age is the time since t, or zero when t is unknown or in the future.
func (s *evalState) age(t time.Time) time.Duration {
	if t.IsZero() || t.After(s.c.Now) {
		return 0
	}
	return s.c.Now.Sub(t)
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
	s.vars[i] = out
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
// before now. Records from the future do not count.
func (s *evalState) countWithin(window Duration) int {
	from := s.c.Now.Add(-time.Duration(window))
	n := 0
	for _, r := range s.history {
		if r.Penalty != PenaltyNone && !r.At.Before(from) && r.At.Before(s.c.Now) {
			n++
		}
	}
	return n
}

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

// violationVal is the CEL value of `violation`: the state's current
// violation, as of the case's time.
type violationVal struct{ s *evalState }

func (v violationVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[*Violation]() {
		return v.s.v, nil
	}
	return nil, fmt.Errorf("cannot convert violation to %v", t)
}

func (v violationVal) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case celx.ViolationType:
		return v
	case types.TypeType:
		return celx.ViolationType
	}
	return types.NewErr("type conversion error from violation to '%s'", t.TypeName())
}

func (v violationVal) Equal(other ref.Val) ref.Val {
	o, ok := other.(violationVal)
	return types.Bool(ok && o.s.v == v.s.v)
}

func (v violationVal) Type() ref.Type { return celx.ViolationType }
func (v violationVal) Value() any     { return v.s.v }

// trustedReport reports whether a trusted flagger or an authority reported v.
func trustedReport(v *Violation) bool {
	for _, r := range v.Evidence.Reports {
		if r.Source == SourceTrustedFlagger || r.Source == SourceAuthority {
			return true
		}
	}
	return false
}
