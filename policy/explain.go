package policy

import (
	"context"
	"fmt"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/names"
)

// Explanation is a decision with the trace of how it was reached: every rule
// of the target against every violation, whether it matched, and the values
// of what its condition read. The guards' interventions are in the
// decision's Guards.
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
}

// Binding is a name a condition reads and its value in the case.
type Binding struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Explain decides the case as Decide does and traces every rule of the
// target, indexed or not. It is slower than Decide and meant for people:
// rule authors and reviewers.
func (e *Engine) Explain(ctx context.Context, c Case) (Explanation, error) {
	d, err := e.Decide(ctx, c)
	if err != nil {
		return Explanation{}, err
	}
	st := newEvalState(e)
	defer st.release()
	role, _ := e.validate(&c, st)
	st.bind(&c, role)
	x := Explanation{Decision: d}
	for vi := range st.c.Violations {
		st.setViolation(vi)
		for _, r := range e.p.Rules {
			if r.Target != c.Target {
				continue
			}
			t := RuleTrace{Rule: r.ID, Description: r.Description, Violation: st.V.ID}
			switch {
			case r.Categories != nil && !r.Categories[st.Cat]:
				t.Skipped = fmt.Sprintf("its condition requires another category than %s", st.V.Category)
			case r.NeedsActor && !st.IsActor:
				t.Skipped = "its condition requires the subject to have committed the violation"
			case r.Roles != nil && !r.Roles[st.Role]:
				t.Skipped = fmt.Sprintf("its condition requires another role than %s", roleName(st.Role))
			}
			for _, name := range r.Reads {
				t.Reads = append(t.Reads, Binding{Name: name, Value: st.show(name)})
			}
			if ok, err := st.evalBool(r.When); err != nil {
				t.Error = err.Error()
			} else {
				t.Matched = ok
			}
			x.Rules = append(x.Rules, t)
		}
	}
	return x, nil
}

func roleName(r Role) string {
	if r == 0 {
		return "none"
	}
	return r.String()
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
