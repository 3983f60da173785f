package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/names"
)

// Explanation is a decision with the trace of how it was reached: every rule
// of the target against every violation, whether it matched, and the values
// of what its condition, its penalty expression and its message read, and,
// for a penalty a guard lowered, what would have raised it
// ([RuleTrace.WouldBe]). The guards' interventions are in the decision's
// [Decision.Guards].
type Explanation struct {
	Decision Decision    `json:"decision"`
	Rules    []RuleTrace `json:"rules"`
}

// RuleTrace is one rule evaluated against one violation.
type RuleTrace struct {
	Rule        string `json:"rule"`
	Description string `json:"description,omitempty"`
	Violation   string `json:"violation"`
	Matched     bool   `json:"matched"`
	// Skipped tells why the rule could not match without evaluating its
	// condition (its category or subject requirement); empty when evaluated.
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
	// Reads are the values of the case fields and variables the condition reads.
	Reads []Binding `json:"reads,omitempty"`
	// PenaltyReads are those the penalty expression of a matched rule read;
	// MessageReads those the message of the winning rule read.
	PenaltyReads []Binding `json:"penalty_reads,omitempty"`
	MessageReads []Binding `json:"message_reads,omitempty"`
	// WouldBe, for a match a guard lowered, is what would have raised it:
	// the heavier measure it would come to, and on what condition.
	WouldBe []Raise `json:"would_be,omitempty"`
}

// Raise is a heavier measure a lowered match would come to, and the
// condition on which it would: [Raise.String] says it in words, as
// "would be a ban if violation v12 were confirmed by a reviewer".
type Raise struct {
	Penalty  Penalty  `json:"penalty"`
	Duration Duration `json:"duration,omitempty"`
	// If is the condition, as the end of a sentence: "violation v12 were
	// confirmed by a reviewer".
	If string `json:"if"`
}

// String says the raise in words.
func (r Raise) String() string {
	return "would be " + measure(r.Penalty, r.Duration) + " if " + r.If
}

// measure names a penalty as a sentence does: "a ban", "a suspension for 7d".
func measure(p Penalty, d Duration) string {
	var s string
	switch p {
	case PenaltyWarn:
		s = "a warning"
	case PenaltyRestrict:
		s = "a restriction"
	case PenaltySuspend:
		s = "a suspension"
	case PenaltyBan:
		s = "a ban"
	case PenaltyClose:
		s = "a closure"
	default:
		return "no penalty"
	}
	if d > 0 {
		s += " for " + d.String()
	}
	return s
}

// Binding is a name an expression reads and its value in the case, written
// as a rule author would write it.
type Binding struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Explain decides the case as [Engine.Decide] does, on the same path, with
// a tracer attached that records every rule of the target: the ones the
// index set aside and why, and for the others what their condition (the
// residual the index left), their penalty expression and their message
// read and came to. It is slower than Decide and meant for people: rule
// authors and reviewers.
func (e *Engine) Explain(ctx context.Context, c Case) (Explanation, error) {
	tr := &tracer{}
	var x Explanation
	if _, err := e.decideTraced(ctx, &c, tr, &x.Decision, false); err != nil {
		return Explanation{}, err
	}
	x.Rules = tr.rules
	return x, nil
}

// tracer records the trace of one decision; the decision path calls it
// where a trace is kept, and only then.
type tracer struct {
	rules []RuleTrace
	// open is the index in rules of each rule's trace for the current
	// violation, by rule index; -1 for none.
	open []int
	// in marks, by rule index, the candidates of the current violation
	// while its traces are started.
	in []bool
	// pending lists the variables the traces show, whose values fill
	// finds once the decision is taken; vis holds the index of each
	// trace's violation.
	pending []pendingRead
	vis     []int
}

// pendingRead is a variable a trace shows: the binding at pos of a list
// (reads, penaltyReads or messageReads) of rules[trace], read on the
// violation of index vi.
type pendingRead struct {
	trace, pos, vi int
	list           uint8
}

// The lists of a RuleTrace that show bindings.
const (
	reads uint8 = iota
	penaltyReads
	messageReads
)

// bind returns the values of names for the list of rules[trace]. A case
// field is shown at once; a variable is left for fill, so that the trace
// evaluates nothing while the decision is taken: what it spends, and so
// what it decides under a cost limit, is Decide's.
func (t *tracer) bind(st *evalState, trace int, list uint8, names []string) []Binding {
	var out []Binding
	for _, n := range names {
		b := Binding{Name: n}
		if _, ok := st.e.p.VarIndex[n]; ok {
			t.pending = append(t.pending, pendingRead{trace: trace, pos: len(out), vi: t.vis[trace], list: list})
		} else {
			b.Value = st.show(n)
		}
		out = append(out, b)
	}
	return out
}

// fill shows the variables the traces read, once the decision is taken:
// each on its violation, again, within a budget of the decision's cost
// limit for all of them. The winning rule's reads come first, then those
// of the other rules whose condition was evaluated, then those of the
// rules set aside, so that what the decision read is shown before what it
// did not need; a variable past the budget is shown as not evaluated.
func (t *tracer) fill(st *evalState, d *Decision) {
	rank := func(p pendingRead) int {
		switch rt := &t.rules[p.trace]; {
		case rt.Rule == d.Rule && rt.Violation == d.Violation:
			return 0
		case rt.Skipped == "":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(t.pending, func(a, b pendingRead) int { return cmp.Compare(rank(a), rank(b)) })
	st.spent = 0
	cur := -1
	for _, p := range t.pending {
		if p.vi != cur {
			st.setViolation(p.vi)
			cur = p.vi
		}
		rt := &t.rules[p.trace]
		list := rt.Reads
		switch p.list {
		case penaltyReads:
			list = rt.PenaltyReads
		case messageReads:
			list = rt.MessageReads
		}
		b := &list[p.pos]
		if i := st.e.p.VarIndex[b.Name]; st.vars[i] == nil && st.spent >= st.e.p.DecisionCostLimit {
			b.Value = "not evaluated: the explanation's cost limit is reached"
			continue
		}
		b.Value = st.show(b.Name)
	}
}

// violation starts the current violation: a trace for every rule of the
// target, in order, those the index set aside marked skipped.
func (t *tracer) violation(e *Engine, st *evalState, vi int, candidates []*compiler.Rule) {
	t.start(e, st, vi, candidates, func(*compiler.Rule) string {
		return fmt.Sprintf("its condition requires another category than %s", st.V.Category)
	})
}

// cell starts the current violation on the case space: a trace for every
// rule of the target, in order, those the cell rules out marked skipped.
func (t *tracer) cell(e *Engine, st *evalState, vi int, sp *compiler.Space, cell int) {
	var in []*compiler.Rule
	for _, j := range sp.Candidates(cell) {
		if j < len(sp.Rules) {
			in = append(in, sp.Rules[j])
		}
	}
	t.start(e, st, vi, in, func(r *compiler.Rule) string { return "its condition is false where " + st.shownFields(r) })
}

// start opens a trace for every rule of the target on violation vi, in
// order, and marks each one that is not among the candidates skipped, for
// the reason why gives. It takes time linear in the rules and the
// candidates.
func (t *tracer) start(e *Engine, st *evalState, vi int, candidates []*compiler.Rule, why func(*compiler.Rule) string) {
	if t.open == nil {
		t.open = make([]int, len(e.p.Rules))
		t.in = make([]bool, len(e.p.Rules))
	}
	for i := range t.open {
		t.open[i] = -1
	}
	for _, r := range candidates {
		t.in[r.Index] = true
	}
	for _, r := range e.p.Rules {
		if r.Target != st.c.Target {
			continue
		}
		t.vis = append(t.vis, vi)
		rt := RuleTrace{Rule: r.ID, Description: r.Description, Violation: st.V.ID, Reads: t.bind(st, len(t.rules), reads, r.Reads)}
		if !t.in[r.Index] {
			rt.Skipped = why(r)
		}
		t.open[r.Index] = len(t.rules)
		t.rules = append(t.rules, rt)
	}
	for _, r := range candidates {
		t.in[r.Index] = false
	}
}

// skippedCategory records a candidate whose category requirement the
// violation does not meet.
func (t *tracer) skippedCategory(r *compiler.Rule, st *evalState) {
	t.at(r).Skipped = fmt.Sprintf("its condition requires another category than %s", st.V.Category)
}

func (t *tracer) at(r *compiler.Rule) *RuleTrace { return &t.rules[t.open[r.Index]] }

// guarded records what would have raised a match the guards lowered: the
// notes are those the guards left on it. The double judgment's is what a
// confirming review would leave (the other guards applied); the others'
// are the facts that would have kept the guard from acting.
func (t *tracer) guarded(e *Engine, r *compiler.Rule, st *evalState, m Match, g guarded, notes []GuardNote) {
	rt := t.at(r)
	v := st.V.ID
	for _, n := range notes {
		if n.Action != InterventionLowered {
			continue
		}
		var raise Raise
		switch n.Guard {
		case GuardDoubleJudgment:
			w := g.withoutReview
			if !g.provisional || !heavier(w, weightOf(&m)) {
				continue // a rejected violation, or a review would not raise it
			}
			raise = Raise{Penalty: w.penalty, Duration: w.duration, If: "violation " + v + " were confirmed by a reviewer"}
			if !st.V.Automated() {
				raise.If = "a technical identification supported violation " + v + " and a reviewer confirmed it"
			}
		case GuardNoCollectivePunishment:
			raise = Raise{Penalty: n.From, If: fmt.Sprintf("%s had committed violation %s, or were an owner or admin of the group", st.SubjectID, v)}
			if n.From == m.Asked {
				raise.Duration = m.AskedDuration
			}
		case GuardProportionality:
			raise = Raise{Penalty: n.From, If: fmt.Sprintf("violation %s were of high or critical severity (it is %s), or category %s were zero-tolerance", v, st.V.Severity, st.V.Category)}
			if r.Ladder != nil {
				raise.If += fmt.Sprintf(", or the history reached the last step of ladder %s", r.Ladder.Name)
			}
		default:
			continue
		}
		rt.WouldBe = append(rt.WouldBe, raise)
	}
}

// skipped records a candidate that the subject index set aside.
func (t *tracer) skipped(r *compiler.Rule, st *evalState) {
	if r.NeedsActor && !st.IsActor {
		t.at(r).Skipped = "its condition requires the subject to have committed the violation"
		return
	}
	t.at(r).Skipped = fmt.Sprintf("its condition requires another role than %s", roleName(st.Role))
}

// held records what a candidate's condition came to.
func (t *tracer) held(r *compiler.Rule, ok bool, err error) {
	rt := t.at(r)
	if err != nil {
		rt.Error = err.Error()
		return
	}
	rt.Matched = ok
}

// asked records what the penalty expression of a matched rule read, and
// its error.
func (t *tracer) asked(r *compiler.Rule, st *evalState, err error) {
	rt := t.at(r)
	rt.PenaltyReads = t.bind(st, t.open[r.Index], penaltyReads, r.PenaltyReads)
	if err != nil {
		rt.Matched, rt.Error = false, err.Error()
	}
}

// concluded records what the winning rule's message read. The winner's
// violation is current again, so its trace is found among all of them.
func (t *tracer) concluded(r *compiler.Rule, st *evalState) {
	for i := range t.rules {
		if rt := &t.rules[i]; rt.Rule == r.ID && rt.Violation == st.V.ID {
			rt.MessageReads = t.bind(st, i, messageReads, r.MessageReads)
		}
	}
}

func roleName(r Role) string {
	if r == 0 {
		return "none"
	}
	return r.String()
}

// shownFields writes the values of the case fields that decide a rule's
// condition in the case space: "violation.category=category.spam".
func (s *evalState) shownFields(r *compiler.Rule) string {
	var out []string
	for _, f := range r.Space.Fields {
		out = append(out, f+"="+s.show(f))
	}
	if len(out) == 0 {
		return "any case lies"
	}
	return strings.Join(out, ", ")
}

// show renders the value of a name as a rule author writes it.
func (s *evalState) show(name string) string {
	v, ok := s.ResolveName(name)
	if !ok {
		return "?"
	}
	switch x := v.(type) {
	case celx.Severity:
		return compiler.NSSeverity + "." + Severity(x).String()
	case celx.Role:
		return compiler.NSRole + "." + roleName(Role(x))
	case celx.Category:
		return compiler.NSCategory + "." + s.e.p.Categories[x].Name
	case celx.Penalty:
		return compiler.NSPenalty + "." + Penalty(x).String()
	case names.Violation:
		return "violation " + x.ID()
	case types.String:
		return fmt.Sprintf("%q", string(x))
	case types.Duration:
		return fmt.Sprintf("duration(%q)", Duration(x.Duration).String())
	case types.Timestamp:
		return fmt.Sprintf("timestamp(%q)", x.Time.Format("2006-01-02T15:04:05Z07:00"))
	case *types.Err:
		return "error: " + x.String()
	case ref.Val:
		return fmt.Sprint(x.Value())
	}
	return fmt.Sprint(v)
}
