package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/common/types"
)

// Category is an entry of a policy's category catalogue.
type Category struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// DSACategory and DSAKeywords are the statement-of-reasons category and
	// category specification keywords of the DSA Transparency Database.
	DSACategory string   `json:"dsa_category"`
	DSAKeywords []string `json:"dsa_keywords,omitempty"`
	// ZeroTolerance marks categories where a verified violation meets the
	// full measure at once, without a warning first.
	ZeroTolerance bool `json:"zero_tolerance,omitempty"`
}

// Engine decides cases under one compiled policy. It is immutable and safe
// for concurrent use; build it once with Compile or Default.
type Engine struct {
	ref         PolicyRef
	canonical   []byte
	categories  []Category
	catIndex    map[string]uint8
	vars        []compiledVar
	varIndex    map[string]int
	rules       []*rule
	byTarget    [3][][]*rule // target, then category index: the candidate rules in order
	guards      guardsSpec
	appeal      Appeal
	blastRadius int
	pool        sync.Pool
}

type compiledVar struct {
	name string
	prg  program
}

// index lists, for each target and category, the rules that can match.
func (e *Engine) index(ncat int) {
	for _, t := range []Target{TargetAccount, TargetGroup} {
		e.byTarget[t] = make([][]*rule, ncat)
		for _, r := range e.rules {
			if r.target != t {
				continue
			}
			for c := range ncat {
				if r.categories == nil || r.categories[c] {
					e.byTarget[t][c] = append(e.byTarget[t][c], r)
				}
			}
		}
	}
}

// Policy identifies the compiled policy: its name, version and digest.
func (e *Engine) Policy() PolicyRef { return e.ref }

// Canonical returns the canonical form of the policy (JSON, with defaults
// filled in) whose sha256 is the digest.
func (e *Engine) Canonical() []byte { return slices.Clone(e.canonical) }

// Categories returns the category catalogue in the order it was declared.
func (e *Engine) Categories() []Category { return slices.Clone(e.categories) }

// Category returns the catalogue entry named name.
func (e *Engine) Category(name string) (Category, bool) {
	i, ok := e.catIndex[name]
	if !ok {
		return Category{}, false
	}
	return e.categories[i], true
}

// RuleInfo describes a rule of a compiled policy.
type RuleInfo struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Target      Target `json:"target"`
}

// Rules lists the policy's rules in the order they were declared.
func (e *Engine) Rules() []RuleInfo {
	out := make([]RuleInfo, len(e.rules))
	for i, r := range e.rules {
		out[i] = RuleInfo{ID: r.id, Description: r.description, Target: r.target}
	}
	return out
}

// BlastRadius is how many accounts one enforcement plan may touch before it
// needs a second approval.
func (e *Engine) BlastRadius() int { return e.blastRadius }

// Appeal is the route and window of appeals against the policy's decisions.
func (e *Engine) Appeal() Appeal { return e.appeal }

// Decide takes the decision for the case's target. Every candidate rule is
// evaluated against every violation; the guards then act on each match, and
// the most severe remaining penalty wins (ties: the longer duration, then
// the earlier rule). A rule that fails at run time is recorded in
// Decision.Errors and does not count.
//
// Decide returns an error, and no decision, when the case is malformed
// (wrapping ErrInvalidCase) or the context ends.
func (e *Engine) Decide(ctx context.Context, c Case) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	role, err := e.validate(&c, st)
	if err != nil {
		return Decision{}, err
	}
	st.bind(&c, role)
	return e.decide(ctx, st)
}

// DecideMembers decides each member of a group for the same violations at
// the same time, as Decide would with an account target for each, and
// appends the decisions to dst in the order of members. The group, the
// violations and the time come from c, whose Target, Account and Role are
// set for each member; they are validated once. An error names the member.
func (e *Engine) DecideMembers(ctx context.Context, c Case, members []Membership, dst []Decision) ([]Decision, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	c.Target, c.Account, c.Role = TargetAccount, nil, 0
	if err := e.validateShared(&c, st); err != nil {
		return dst, err
	}
	st.bind(&c, 0)
	for i := range members {
		m := &members[i]
		st.c.Account, st.c.Role = &m.Account, m.Role
		role, err := e.validateSubject(&st.c)
		if ce := (*CaseError)(nil); errors.As(err, &ce) {
			return dst, fmt.Errorf("%w: %w", ErrInvalidCase, &CaseError{Field: fmt.Sprintf("members[%d].%s", i, ce.Field), Reason: ce.Reason})
		} else if err != nil {
			return dst, err
		}
		st.bindSubject(role)
		d, err := e.decide(ctx, st)
		if err != nil {
			return dst, err
		}
		dst = append(dst, d)
	}
	return dst, nil
}

// decide takes the decision for the case bound to the state.
func (e *Engine) decide(ctx context.Context, st *evalState) (Decision, error) {
	c := &st.c
	d := Decision{Target: c.Target, Subject: st.subjectID, Role: st.role, Policy: e.ref, At: c.Now}
	done := ctx.Done()
	best, bestRule, bestViolation := -1, 0, 0
	// Pending review: the winning match is provisional, or a review could
	// raise the decision to what a provisional match would otherwise be.
	bestProvisional := false
	var awaiting Match // the heaviest outcome a confirming review would give
	awaited := false
	for vi := range st.c.Violations {
		st.setViolation(vi)
		for _, r := range e.byTarget[c.Target][st.cat] {
			if r.needsActor && !st.isActor || r.roles != nil && !r.roles[st.role] {
				continue // its condition requires another subject
			}
			if done != nil {
				select {
				case <-done:
					return Decision{}, context.Cause(ctx)
				default:
				}
			}
			ok, err := st.holds(r)
			if err != nil {
				d.Errors = append(d.Errors, RuleError{Rule: r.id, Violation: st.v.ID, Message: err.Error()})
				continue
			}
			if !ok {
				continue
			}
			m, ladderEnd, err := st.ask(r)
			if err != nil {
				d.Errors = append(d.Errors, RuleError{Rule: r.id, Violation: st.v.ID, Message: err.Error()})
				continue
			}
			g := e.guard(&d, st, &m, ladderEnd)
			if g.provisional && (!awaited || heavier(g.withoutReview, awaiting)) {
				awaiting, awaited = g.withoutReview, true
			}
			d.Matches = append(d.Matches, m)
			if best < 0 || outranks(m, d.Matches[best], r.index, bestRule) {
				best, bestRule, bestViolation, bestProvisional = len(d.Matches)-1, r.index, vi, g.provisional
			}
		}
	}
	if best >= 0 && d.Matches[best].Penalty != PenaltyNone {
		st.setViolation(bestViolation)
		e.conclude(&d, st, d.Matches[best], e.rules[bestRule])
	}
	provisional := bestProvisional && d.Penalty != PenaltyNone
	heavierAwaits := awaited && awaiting.Penalty != PenaltyNone && (best < 0 || heavier(awaiting, d.Matches[best]))
	d.PendingReview = d.PendingReview || provisional || heavierAwaits // due process may have set it
	return d, nil
}

// heavier reports whether match a is a heavier measure than match b: a
// higher level, or the same level for longer.
func heavier(a, b Match) bool {
	if la, lb := a.Penalty.Level(), b.Penalty.Level(); la != lb {
		return la > lb
	}
	return a.Duration > b.Duration
}

// outranks reports whether match a beats match b: a higher level, then a
// longer duration (permanent beats any), then an earlier rule.
func outranks(a, b Match, aRule, bRule int) bool {
	if la, lb := a.Penalty.Level(), b.Penalty.Level(); la != lb {
		return la > lb
	}
	if a.Duration != b.Duration {
		return a.Duration > b.Duration
	}
	return aRule < bRule
}

// ask computes what a matched rule asks for: its literal penalty, the
// result of its penalty expression, or the step of its ladder the subject's
// history reaches. ladderEnd reports that the last step was reached.
func (st *evalState) ask(r *rule) (m Match, ladderEnd bool, err error) {
	m = Match{Rule: r.id, Violation: st.v.ID}
	switch {
	case r.ladder != nil:
		step := min(st.countWithin(r.ladder.window), len(r.ladder.steps)-1)
		s := r.ladder.steps[step]
		m.Asked, m.AskedDuration = s.Penalty, s.Duration
		m.Ladder, m.Step = r.ladder.name, step+1
		// The end counts as grounds for a permanent measure only once the
		// subject has climbed to it.
		ladderEnd = step > 0 && step == len(r.ladder.steps)-1
	case r.penaltyX.prg != nil:
		out, err := st.eval(r.penaltyX)
		if err != nil {
			return m, false, err
		}
		p, ok := out.Value().(uint8)
		if !ok || !Penalty(p).AppliesTo(r.target) {
			return m, false, fmt.Errorf("penalty expression yielded %v, which a %s cannot receive", out, r.target)
		}
		m.Asked = Penalty(p)
		if m.Asked.Timed() {
			m.AskedDuration = r.duration
		}
	default:
		m.Asked, m.AskedDuration = r.penalty, r.duration
	}
	m.Penalty, m.Duration = m.Asked, m.AskedDuration
	return m, ladderEnd, nil
}

// conclude fills in the winning match, whose violation is the state's
// current one: its rule, reason, ground and the appeal route, and runs the
// due-process guard on it.
func (e *Engine) conclude(d *Decision, st *evalState, m Match, r *rule) {
	d.Penalty, d.Duration = m.Penalty, m.Duration
	d.Rule, d.Violation, d.Category = m.Rule, m.Violation, st.v.Category
	d.Verified = st.verified
	d.Ground = r.ground
	d.Appeal = e.appeal
	if r.constMessage != nil {
		d.Reason = *r.constMessage
	} else if out, err := st.eval(r.message); err != nil {
		d.Errors = append(d.Errors, RuleError{Rule: r.id, Violation: m.Violation, Message: "message: " + err.Error()})
	} else if s, ok := out.(types.String); ok {
		d.Reason = string(s)
	}
	e.dueProcess(d, m)
	if m.Penalty != m.Asked || m.Duration != m.AskedDuration {
		d.Reason = loweredReason(d, m)
	}
}

// loweredReason explains a penalty that guards lowered, so that the reason
// never describes a heavier measure than the one taken. The rule's message
// is not quoted: it was written for the measure the rule asks for.
func loweredReason(d *Decision, m Match) string {
	var b strings.Builder
	taken := measureWords(m.Penalty, m.Duration)
	fmt.Fprintf(&b, "%s%s instead of %s, which rule %s asks for", strings.ToUpper(taken[:1]), taken[1:], measureWords(m.Asked, m.AskedDuration), m.Rule)
	for _, g := range d.Guards {
		if g.Action == Lowered && g.Rule == m.Rule && g.Violation == m.Violation {
			fmt.Fprintf(&b, ": %s", g.Reason)
		}
	}
	b.WriteString(".")
	return b.String()
}

// measureWords names a measure with its duration, as in "a suspension of
// 30d".
func measureWords(p Penalty, d Duration) string {
	switch {
	case p == PenaltyWarn:
		return "a warning"
	case p.Timed():
		return fmt.Sprintf("a %s of %s", map[Penalty]string{PenaltyRestrict: "restriction", PenaltySuspend: "suspension"}[p], d)
	case p == PenaltyBan:
		return "a permanent ban"
	case p == PenaltyClose:
		return "closure"
	}
	return "no measure"
}
