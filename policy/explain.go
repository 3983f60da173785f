package policy

import (
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
// of what its condition, its penalty expression and its message read. The
// guards' interventions are in the decision's [Decision.Guards].
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
	if err := ctx.Err(); err != nil {
		return Explanation{}, err
	}
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	role, err := e.validate(&c, st)
	if err != nil {
		return Explanation{}, err
	}
	st.bind(&c, role)
	tr := &tracer{}
	st.tr = tr
	d, err := e.decide(ctx, st)
	if err != nil {
		return Explanation{}, err
	}
	return Explanation{Decision: d, Rules: tr.rules}, nil
}

// tracer records the trace of one decision; the decision path calls it
// where a trace is kept, and only then.
type tracer struct {
	rules []RuleTrace
	// open is the index in rules of each rule's trace for the current
	// violation, by rule index; -1 for none.
	open []int
}

// violation starts the current violation: a trace for every rule of the
// target, in order, those the index set aside marked skipped.
func (t *tracer) violation(e *Engine, st *evalState, candidates []*compiler.Rule) {
	if t.open == nil {
		t.open = make([]int, len(e.p.Rules))
	}
	for i := range t.open {
		t.open[i] = -1
	}
	for _, r := range e.p.Rules {
		if r.Target != st.c.Target {
			continue
		}
		rt := RuleTrace{Rule: r.ID, Description: r.Description, Violation: st.V.ID, Reads: st.bindings(r.Reads)}
		if !slices.Contains(candidates, r) {
			rt.Skipped = fmt.Sprintf("its condition requires another category than %s", st.V.Category)
		}
		t.open[r.Index] = len(t.rules)
		t.rules = append(t.rules, rt)
	}
}

// cell starts the current violation on the case space: a trace for every
// rule of the target, in order, those the cell rules out marked skipped.
func (t *tracer) cell(e *Engine, st *evalState, sp *compiler.Space, cell int) {
	cands := sp.Candidates(cell)
	var in []*compiler.Rule
	for _, j := range cands {
		if j < len(sp.Rules) {
			in = append(in, sp.Rules[j])
		}
	}
	t.violation(e, st, in)
	for _, r := range e.p.Rules {
		if r.Target == st.c.Target && !slices.Contains(in, r) {
			t.at(r).Skipped = "its condition is false where " + st.shownFields(r)
		}
	}
}

// skippedCategory records a candidate whose category requirement the
// violation does not meet.
func (t *tracer) skippedCategory(r *compiler.Rule, st *evalState) {
	t.at(r).Skipped = fmt.Sprintf("its condition requires another category than %s", st.V.Category)
}

func (t *tracer) at(r *compiler.Rule) *RuleTrace { return &t.rules[t.open[r.Index]] }

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
	rt.PenaltyReads = st.bindings(r.PenaltyReads)
	if err != nil {
		rt.Matched, rt.Error = false, err.Error()
	}
}

// concluded records what the winning rule's message read. The winner's
// violation is current again, so its trace is found among all of them.
func (t *tracer) concluded(r *compiler.Rule, st *evalState) {
	for i := range t.rules {
		if rt := &t.rules[i]; rt.Rule == r.ID && rt.Violation == st.V.ID {
			rt.MessageReads = st.bindings(r.MessageReads)
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

// bindings returns the values of names, for a trace.
func (s *evalState) bindings(names []string) []Binding {
	var out []Binding
	for _, n := range names {
		out = append(out, Binding{Name: n, Value: s.show(n)})
	}
	return out
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
