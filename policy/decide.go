package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/compiler"
)

// Decide takes the decision for the case's target. Every candidate rule is
// evaluated against every violation; the guards then act on each match, and
// the most severe remaining penalty wins (ties: the longer duration, then
// the earlier rule). A rule that fails at run time (a division by zero, a
// cost limit) is recorded in Decision.Errors and does not count, and the
// decision is marked PendingReview: it fails closed, for a person to
// complete, since the failed rule may have asked for more.
//
// Decide returns an error, and no decision, when the case is malformed (a
// [*Problem] wrapped with [ErrInvalidCase]; so is a case that would take
// more than [MaxChecks]) or the context ends. A decision
// with matches costs one allocation, for its matches; [Engine.DecideInto]
// reuses that room from one decision to the next.
func (e *Engine) Decide(ctx context.Context, c Case) (Decision, error) {
	var d Decision
	if _, err := e.decideTraced(ctx, &c, nil, &d, false); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// DecideInto is [Engine.Decide] for a loop that decides case after case:
// it reads *c, which it does not keep, and writes the decision into *d,
// reusing the room of d's Matches, Guards and Errors, so that once that
// room has grown those slices cost no allocation (the texts a guard or a
// lowered penalty writes are strings of their own). Whatever *d held is
// overwritten, the elements of those three slices included: copy what must
// outlive the next call, and give each goroutine a Decision of its own.
// Where Decide leaves a slice nil, DecideInto may leave it empty.
//
// On an error *d is the zero Decision, its room kept, and the error is the
// one Decide would return; a nil c is an [ErrInvalidCase], and a nil d an
// error too.
func (e *Engine) DecideInto(ctx context.Context, c *Case, d *Decision) error {
	if d == nil {
		return errors.New("policy: DecideInto needs a Decision to write into")
	}
	clearKeepingRoom(d)
	if c == nil {
		return invalid("", CodeMissingField, "no case to decide")
	}
	if _, err := e.decideTraced(ctx, c, nil, d, true); err != nil {
		clearKeepingRoom(d)
		return err
	}
	return nil
}

// clearKeepingRoom makes d the zero Decision but for the room of its
// slices, which it keeps, empty.
func clearKeepingRoom(d *Decision) {
	m, g, r := d.Matches[:0], d.Guards[:0], d.Errors[:0]
	*d = Decision{}
	d.Matches, d.Guards, d.Errors = m, g, r
}

// decideCost is Decide, which also returns the cost the decision spent.
func (e *Engine) decideCost(ctx context.Context, c Case) (Decision, uint64, error) {
	var d Decision
	spent, err := e.decideTraced(ctx, &c, nil, &d, false)
	if err != nil {
		return Decision{}, 0, err
	}
	return d, spent, nil
}

// decideTraced validates and binds the case and decides it into d, with tr
// (nil for none) recording the trace: Decide and Explain share this one
// path. With into set and d.Matches holding room, the matches are written
// straight into it, lent to the state for the call and taken back, so that
// no pooled state keeps the caller's memory. It returns the cost the
// decision spent; on an error d is left partly written, for the caller to
// drop.
func (e *Engine) decideTraced(ctx context.Context, c *Case, tr *tracer, d *Decision, into bool) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	st := e.pool.Get().(*evalState)
	role, err := e.validate(c, st)
	if err == nil {
		st.bind(c, role)
		st.tr, st.done = tr, ctx.Done()
		if into && cap(d.Matches) > 0 {
			// With no room yet, the matches are copied out at their number:
			// one allocation, and the room for the next call.
			own := st.matches // empty: a pooled state holds no matches
			st.matches, st.lent = d.Matches[:0], true
			err = e.decide(ctx, st, d, false)
			d.Matches, st.matches, st.lent = st.matches, own, false
		} else {
			err = e.decide(ctx, st, d, false)
		}
	}
	spent := st.spent
	if tr != nil && err == nil {
		tr.fill(st, d) // what it spends is the trace's, not the decision's
	}
	// Not deferred, which would cost a closure on every decision; a panic
	// drops the state rather than pooling it.
	st.release()
	e.pool.Put(st)
	return spent, err
}

// decide takes the decision for the case bound to the state into d, which
// must be the zero Decision but for the room of its slices (empty): it is
// written field by field, not copied. With gather set, the matches stay in
// the state after those of the decisions before, for the caller to give
// out (DecideGroup gives a group's at once); d.Matches is left empty.
func (e *Engine) decide(ctx context.Context, st *evalState, d *Decision, gather bool) error {
	c := &st.c
	base := len(st.matches)
	st.spent = 0
	e.head(d, st)
	done := st.done
	o := outcome{best: -1}
	sp := e.p.Spaces[c.Target]
	share := gather && c.Target == TargetAccount // a group case's members
	nv := len(st.c.Violations)
	if st.narrowed {
		nv = len(st.only)
	}
	for k := range nv {
		vi := k
		if st.narrowed {
			vi = st.only[k]
		}
		st.setViolation(vi)
		if sp != nil {
			if cell, ok := st.cellOf(sp, vi, share); ok {
				cands := sp.Candidates(cell)
				if st.over(1 + len(cands)) {
					return e.tooManyChecks()
				}
				if st.tr != nil {
					if st.over(e.rulesOf[c.Target]) {
						return e.tooManyChecks()
					}
					st.tr.cell(e, st, vi, sp, cell)
				}
				st.sp, st.cell = sp, cell
				for _, j := range cands {
					if j >= len(sp.Rules) {
						continue // a penalty expression, read by ask
					}
					r := sp.Rules[j]
					st.expr = j
					if sp.Fallback(j) && !e.couldHold(st, r) {
						continue
					}
					if ended(done) {
						return context.Cause(ctx)
					}
					ok, err := st.holdsIn(sp, cell, j, r)
					e.consider(d, &o, st, r, vi, ok, err)
				}
				continue
			}
		}
		st.sp = nil
		candidates := e.p.ByTarget[c.Target][st.Cat]
		if st.over(1 + len(candidates)) {
			return e.tooManyChecks()
		}
		if st.tr != nil {
			if st.over(e.rulesOf[c.Target]) {
				return e.tooManyChecks()
			}
			st.tr.violation(e, st, vi, candidates)
		}
		for _, r := range candidates {
			if !e.couldHold(st, r) {
				continue // its condition requires another subject
			}
			if ended(done) {
				return context.Cause(ctx)
			}
			ok, err := st.holds(r)
			e.consider(d, &o, st, r, vi, ok, err)
		}
	}
	// o.best indexes st.matches, past those of earlier gathered decisions.
	best, bestRule, bestViolation := o.best, o.bestRule, o.bestViolation
	if best >= 0 && st.matches[best].Penalty != PenaltyNone {
		// Back to the winning violation, which forgets the variables the
		// last one computed, unless it is the case's last violation and
		// still bound: as the loop over every violation leaves the state,
		// so that reading only a member's own acts spends what reading
		// them all does.
		if bestViolation != len(st.c.Violations)-1 || st.V != &st.c.Violations[bestViolation] {
			st.setViolation(bestViolation)
		}
		e.conclude(d, st, &st.matches[best], e.p.Rules[bestRule])
	}
	provisional := o.bestProvisional && d.Penalty != PenaltyNone
	heavierAwaits := o.awaited && o.awaiting.penalty != PenaltyNone && (best < 0 || heavier(o.awaiting, weightOf(&st.matches[best])))
	// A rule that failed may be the one that would have decided: the
	// decision fails closed, held for a person, never a silent none.
	failed := len(d.Errors) > 0
	d.PendingReview = d.PendingReview || provisional || heavierAwaits || failed // due process may have set it
	if !gather && !st.lent && len(st.matches) > base {
		// The decision's one allocation, unless d has the room: its
		// matches, at their number.
		d.Matches = append(d.Matches[:0], st.matches[base:]...)
		st.dropMatches()
	}
	return nil
}

// over counts n more checks of the call (see MaxChecks) and reports
// whether they go past the limit: for a violation, one and one per
// candidate, and for an explanation one more per rule it traces there,
// every rule of the case's target, candidate or not.
func (s *evalState) over(n int) bool {
	s.checks += n
	return s.checks > s.e.maxChecks
}

// tooManyChecks refuses a case whose checks go past MaxChecks.
func (e *Engine) tooManyChecks() error {
	return invalid("violations", CodeTooMany, "deciding the case takes more than MaxChecks (%d) checks of rules against violations; decide its violations in smaller cases", e.maxChecks)
}

// head writes what every decision says of itself, before any rule: the
// target and subject decided, the role, the policy and the time. It is the
// whole decision of a subject no rule is a candidate for.
func (e *Engine) head(d *Decision, st *evalState) {
	d.Target, d.Subject, d.Role, d.Policy, d.At = st.c.Target, st.SubjectID, st.Role, e.p.Ref, st.c.Now
}

// ended reports whether a context's done channel is closed; nil never is.
func ended(done <-chan struct{}) bool {
	if done == nil {
		return false
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// outcome is what the rules have come to so far in one decision: the
// winning match, and the heaviest outcome a confirming review would give.
type outcome struct {
	best, bestRule, bestViolation int
	// Pending review: the winning match is provisional, or a review could
	// raise the decision to what a provisional match would otherwise be.
	bestProvisional bool
	awaiting        weight
	awaited         bool
}

// couldHold reports whether a rule's category and subject requirements
// admit the current violation and subject, recording in a trace why not.
func (e *Engine) couldHold(st *evalState, r *compiler.Rule) bool {
	if r.Categories != nil && !r.Categories[st.Cat] {
		if st.tr != nil {
			st.tr.skippedCategory(r, st)
		}
		return false
	}
	if r.NeedsActor && !st.IsActor || r.Roles != nil && !r.Roles[st.Role] {
		if st.tr != nil {
			st.tr.skipped(r, st)
		}
		return false
	}
	return true
}

// consider takes what a candidate rule's condition came to on the current
// violation vi: a match asks for its measure, which the guards act on,
// and may become the winner.
func (e *Engine) consider(d *Decision, o *outcome, st *evalState, r *compiler.Rule, vi int, ok bool, err error) {
	if st.tr != nil {
		st.tr.held(r, ok, err)
	}
	if err != nil {
		d.Errors = append(d.Errors, RuleError{Rule: r.ID, Violation: st.V.ID, Message: err.Error()})
		return
	}
	if !ok {
		return
	}
	// The match is written where it is kept: nothing of it is copied.
	if len(st.matches) == cap(st.matches) {
		// Twice the room, where append would add a quarter to a large
		// slice: a group case of many leaders gathers its matches in a
		// copy or two, not a dozen.
		st.matches = slices.Grow(st.matches, max(len(st.matches), 4))
	}
	st.matches = append(st.matches, Match{})
	m := &st.matches[len(st.matches)-1]
	ladderEnd, err := st.ask(r, m)
	if st.tr != nil {
		st.tr.asked(r, st, err)
	}
	if err != nil {
		*m = Match{}
		st.matches = st.matches[:len(st.matches)-1]
		d.Errors = append(d.Errors, RuleError{Rule: r.ID, Violation: st.V.ID, Message: err.Error()})
		return
	}
	notes := len(d.Guards)
	g := e.guard(d, st, m, ladderEnd)
	if st.tr != nil {
		st.tr.guarded(e, r, st, *m, g, d.Guards[notes:])
	}
	if g.provisional && (!o.awaited || heavier(g.withoutReview, o.awaiting)) {
		o.awaiting, o.awaited = g.withoutReview, true
	}
	if o.best < 0 || outranks(m, &st.matches[o.best], r.Index, o.bestRule) {
		o.best, o.bestRule, o.bestViolation, o.bestProvisional = len(st.matches)-1, r.Index, vi, g.provisional
	}
}

// weight is a penalty with its duration: how heavy a match is.
type weight struct {
	penalty  Penalty
	duration Duration
}

// weightOf is the weight of a match.
func weightOf(m *Match) weight { return weight{m.Penalty, m.Duration} }

// heavier reports whether a is a heavier measure than b: a higher level,
// or the same level for longer.
func heavier(a, b weight) bool {
	if la, lb := a.penalty.Level(), b.penalty.Level(); la != lb {
		return la > lb
	}
	return a.duration > b.duration
}

// outranks reports whether match a beats match b: a higher level, then a
// longer duration (permanent beats any), then an earlier rule.
func outranks(a, b *Match, aRule, bRule int) bool {
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
func (st *evalState) ask(r *compiler.Rule, m *Match) (ladderEnd bool, err error) {
	*m = Match{Rule: r.ID, Violation: st.V.ID}
	switch {
	case r.Ladder != nil:
		step := min(st.countWithin(r.Ladder.Window), len(r.Ladder.Steps)-1)
		s := r.Ladder.Steps[step]
		m.Asked, m.AskedDuration = s.Penalty, s.Duration
		m.Ladder, m.Step = r.Ladder.Name, step+1
		// The end counts as grounds for a permanent measure only once the
		// subject has climbed to it.
		ladderEnd = step > 0 && step == len(r.Ladder.Steps)-1
	case r.PenaltyX.Prg != nil:
		out, ok := st.decidedPenalty()
		if !ok {
			if out, err = st.eval(r.PenaltyX); err != nil {
				return false, err
			}
		}
		p, ok := out.Value().(uint8)
		if !ok || !Penalty(p).AppliesTo(r.Target) {
			return false, fmt.Errorf("penalty expression yielded %v, which a %s cannot receive", out, r.Target)
		}
		m.Asked = Penalty(p)
		if m.Asked.Timed() {
			m.AskedDuration = r.Duration
		}
	default:
		m.Asked, m.AskedDuration = r.Penalty, r.Duration
	}
	m.Penalty, m.Duration = m.Asked, m.AskedDuration
	return ladderEnd, nil
}

// conclude fills in the winning match, whose violation is the state's
// current one: its rule, reason, ground and the appeal route, and runs the
// due_process guard on it.
func (e *Engine) conclude(d *Decision, st *evalState, m *Match, r *compiler.Rule) {
	d.Penalty, d.Duration = m.Penalty, m.Duration
	d.Rule, d.Violation, d.Category = m.Rule, m.Violation, st.V.Category
	d.Verified = st.Verified
	d.Ground = r.Ground
	d.Appeal = e.p.Appeal
	if r.ConstMessage != nil {
		d.Reason = *r.ConstMessage
	} else if out, err := st.eval(r.Message); err != nil {
		d.Errors = append(d.Errors, RuleError{Rule: r.ID, Violation: m.Violation, Message: "message: " + err.Error()})
	} else if s, ok := out.(types.String); ok {
		d.Reason = string(s)
	}
	if st.tr != nil {
		st.tr.concluded(r, st)
	}
	e.dueProcess(d, m)
	if m.Penalty != m.Asked || m.Duration != m.AskedDuration {
		d.Reason = loweredReason(d, *m)
	}
}
