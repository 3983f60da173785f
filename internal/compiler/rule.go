package compiler

import (
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/lang"
	"github.com/groupwarden/warden/internal/vocab"
)

// Rule is a compiled rule.
type Rule struct {
	Index  int
	ID     string
	Target vocab.Target
	When   Program
	// cond is what remains of when once the indexes have decided their
	// conjuncts; implied is set when nothing remains.
	Cond    Program
	Implied bool
	// varChecks, when set, replace cond: the residual is only boolean
	// variables (or their negations), read from the decision's cache.
	VarChecks []VarCheck
	Penalty   vocab.Penalty // the literal penalty, when penaltyX and ladder are nil
	PenaltyX  Program       // the penalty expression, if any
	Ladder    *Ladder
	Duration  vocab.Duration
	Message   Program
	// constMessage holds the message when it is a string literal, which
	// needs no evaluation.
	ConstMessage *string
	Ground       vocab.Ground
	// categories lists the category indexes the rule can match; nil for all.
	Categories []bool
	// needsActor and roles are what the condition asks of the subject: a
	// subject that is not the violation's actor, or whose role is not in
	// roles (nil: any), cannot match.
	NeedsActor bool
	Roles      RoleSet
	// Description and the reads serve explanations: what the rule is for,
	// and the case fields and variables its condition, its penalty
	// expression and its message read.
	Description  string
	Reads        []string
	PenaltyReads []string
	MessageReads []string
	// Space says how much of the condition the target's case space
	// decides; nil when the target has no space.
	Space *SpaceInfo
	// whenAst and whenCost are the checked condition and its estimated
	// cost, for the case space.
	whenAst  *cel.Ast
	whenCost uint64
	// penaltyAst is the checked penalty expression, if any.
	penaltyAst *cel.Ast
}

// Ladder is a compiled escalation ladder.
type Ladder struct {
	Name   string
	Window vocab.Duration
	Steps  []lang.StepSpec
}

func (c *compiler) ladders() map[string]*Ladder {
	out := map[string]*Ladder{}
	first := map[string]*yaml.Node{}
	for _, l := range c.spec.Ladders {
		if l.Name == "" {
			continue
		}
		if _, dup := out[l.Name]; dup {
			c.At(l.Node, vocab.CodeDuplicateID, "ladder %q is declared twice, first at %s", l.Name, at(first[l.Name]))
			continue
		}
		first[l.Name] = l.Node
		// A missing window or step list, or an invalid window, is reported
		// by the parser.
		if w := l.Fields["window"]; w != nil && !c.Reported(w) && l.Window <= 0 {
			c.At(w, vocab.CodeInvalidValue, "ladder %q needs a window longer than zero", l.Name)
		}
		for i, st := range l.Steps {
			pn := st.Fields["penalty"]
			if pn == nil || c.Reported(pn) {
				continue // reported by the parser
			}
			switch {
			case st.Penalty == vocab.PenaltyNone:
				c.At(pn, vocab.CodeInvalidValue, "a ladder step must be a penalty above none")
				continue
			case i == 0 && st.Penalty.Permanent():
				// Escalation means a lighter measure first (DSA Art. 23); a
				// rule that bans at once says so with its penalty.
				c.At(pn, vocab.CodeInvalidValue, "ladder %q starts with %s: a ladder starts below the permanent measure", l.Name, st.Penalty)
			case i > 0 && l.Steps[i-1].Penalty.Level() > st.Penalty.Level():
				c.At(pn, vocab.CodeInvalidValue, "ladder %q steps down from %s to %s: steps never get lighter", l.Name, l.Steps[i-1].Penalty, st.Penalty)
			}
			dn := st.Fields["duration"]
			c.durationFits(st.Node, dn, st.Penalty, st.Duration, dn != nil)
		}
		out[l.Name] = &Ladder{Name: l.Name, Window: l.Window, Steps: l.Steps}
	}
	return out
}

// durationFits reports a timed penalty without a duration and a duration
// given to a penalty that has none.
func (c *compiler) durationFits(at, durAt *yaml.Node, p vocab.Penalty, d vocab.Duration, hasDuration bool) {
	switch {
	case hasDuration && c.Reported(durAt):
		// An invalid duration, reported by the parser.
	case p.Timed() && d <= 0:
		c.At(at, vocab.CodeMissingDuration, "%s needs a duration", p)
	case !p.Timed() && hasDuration:
		c.At(durAt, vocab.CodeUnexpectedDuration, "%s takes no duration", p)
	}
}

func (c *compiler) rule(i int, r *lang.RuleSpec, ladders map[string]*Ladder) *Rule {
	if r.Fields == nil {
		return nil
	}
	cr := &Rule{Index: i, ID: r.ID, Target: r.Target, Duration: r.Duration, Ground: r.Ground, Description: r.Description}
	known := func(name string) bool { return c.declared[name] }
	unknown := func(name string) (vocab.Code, string) {
		return vocab.CodeUnknownVariable, c.undeclaredVariable(name, len(c.spec.Variables))
	}
	// check checks an expression of the rule; it reports false for one
	// that has problems or uses a variable that has.
	check := func(x lang.Expr) (*cel.Ast, bool) {
		if x.Node == nil {
			return nil, false // absent, or not a scalar: reported by the parser
		}
		ast, ok := c.check(c.env, x, known, unknown)
		return ast, ok && !c.usesBroken(ast)
	}
	durNode := r.Fields["duration"]
	if n := r.Fields["when"]; n != nil {
		if ast, ok := check(r.When); ok {
			if !ast.OutputType().IsExactType(types.BoolType) {
				c.At(n, vocab.CodeWhenNotBool, "when must be a bool condition, not %s", ast.OutputType())
			} else if cost, own, ok := c.cost(c.env, ast, r.When); ok {
				cr.When = c.program(c.env, ast, r.When, cost, own)
				cr.whenAst, cr.whenCost = ast, cost
				cr.Categories = categoryRequirement(ast.NativeRep().Expr(), c.spec.Categories, c.varReq)
				cr.NeedsActor, cr.Roles = subjectRequirement(ast.NativeRep().Expr(), c.varRoles)
				cr.Reads = readsOf(ast)
				cr.Cond, cr.VarChecks, cr.Implied = c.residualProgram(r.When, cr.When, cost, own)
			}
		}
	}
	if n := r.Fields["penalty"]; n != nil && r.Penalty.Node != nil {
		src := strings.TrimSpace(r.Penalty.Src)
		if lang.IsName(src) {
			p, err := vocab.ParsePenalty(src)
			if err != nil {
				c.At(n, vocab.CodeUnknownPenalty, "%s", lang.UnknownPenalty(src))
			} else {
				cr.Penalty = p
				c.fitsTarget(n, r.Target, p)
				c.durationFits(r.Node, durNode, p, r.Duration, durNode != nil)
			}
		} else if ast, ok := check(r.Penalty); ok {
			if !ast.OutputType().IsExactType(celx.PenaltyType) {
				c.At(n, vocab.CodeNotPenalty, "penalty must be a penalty name or an expression yielding one (penalty.warn, ...), not %s", ast.OutputType())
			} else {
				// The penalties it can yield: those it names, directly or
				// through its variables.
				timed := false
				for _, name := range c.penalties(ast) {
					p, _ := vocab.ParsePenalty(strings.TrimPrefix(name, NSPenalty+"."))
					c.fitsTarget(n, r.Target, p)
					timed = timed || p.Timed()
				}
				switch {
				case durNode != nil && c.Reported(durNode):
					// An invalid duration, reported by the parser.
				case timed && r.Duration <= 0:
					c.At(r.Node, vocab.CodeMissingDuration, "rule %q can yield restrict or suspend, so it needs a duration", r.ID)
				case !timed && durNode != nil:
					c.At(durNode, vocab.CodeUnexpectedDuration, "rule %q can only yield penalties that take no duration", r.ID)
				}
				if cost, own, ok := c.cost(c.env, ast, r.Penalty); ok {
					cr.PenaltyX = c.program(c.env, ast, r.Penalty, cost, own)
					cr.penaltyAst = ast
					cr.PenaltyReads = readsOf(ast)
				}
			}
		}
	}
	if n := r.Fields["ladder"]; n != nil {
		if l, ok := ladders[r.Ladder]; n.Kind != yaml.ScalarNode {
			// Not a name: reported by the parser.
		} else if !ok {
			var declared []string
			for _, l := range c.spec.Ladders {
				if lang.IsName(l.Name) && !slices.Contains(declared, l.Name) {
					declared = append(declared, l.Name)
				}
			}
			if len(declared) == 0 {
				c.At(n, vocab.CodeUnknownLadder, "unknown ladder %q: the policy declares no ladders", r.Ladder)
			} else {
				c.At(n, vocab.CodeUnknownLadder, "unknown ladder %q%s", r.Ladder, lang.Hint(r.Ladder, declared))
			}
		} else {
			cr.Ladder = l
			var given []vocab.Penalty
			for _, st := range l.Steps {
				if !slices.Contains(given, st.Penalty) {
					given = append(given, st.Penalty)
					c.fitsTarget(n, r.Target, st.Penalty)
				}
			}
		}
		if durNode != nil {
			c.At(durNode, vocab.CodeUnexpectedDuration, "a rule with a ladder takes its durations from the ladder's steps")
		}
	}
	if n := r.Fields["message"]; n != nil {
		if checked, ok := check(r.Message); ok {
			if !checked.OutputType().IsExactType(types.StringType) {
				c.At(n, vocab.CodeNotString, "message must be a string expression (quote plain text: '\"text\"'), not %s", checked.OutputType())
			} else if cost, own, ok := c.cost(c.env, checked, r.Message); ok {
				if lit := checked.NativeRep().Expr(); lit.Kind() == ast.LiteralKind {
					if s, ok := lit.AsLiteral().(types.String); ok {
						msg := string(s)
						cr.ConstMessage = &msg
					}
				}
				cr.Message = c.program(c.env, checked, r.Message, cost, own)
				cr.MessageReads = readsOf(checked)
			}
		}
	}
	return cr
}

// fitsTarget reports a penalty that the rule's target cannot receive.
func (c *compiler) fitsTarget(n *yaml.Node, t vocab.Target, p vocab.Penalty) {
	if t.IsValid() && !p.AppliesTo(t) {
		want := "ban"
		if t == vocab.TargetGroup {
			want = "close"
		}
		c.At(n, vocab.CodePenaltyTarget, "a rule for a %s cannot give %s (the permanent measure for a %s is %s)", t, p, t, want)
	}
}

// residualProgram compiles what the indexes leave of a condition; on any
// trouble it falls back to the full condition.
func (c *compiler) residualProgram(x lang.Expr, full Program, cost, own uint64) (Program, []VarCheck, bool) {
	parsed, iss := c.env.Parse(x.Src)
	if iss.Err() != nil {
		return full, nil, false
	}
	keep, err := residual(parsed.NativeRep(), c.spec.Categories, c.varRoles)
	if err != nil {
		return full, nil, false
	}
	if len(keep) == 0 {
		return Program{}, nil, true
	}
	checked, iss := c.env.Compile(strings.Join(keep, " && "))
	if iss.Err() != nil || !checked.OutputType().IsExactType(types.BoolType) {
		return full, nil, false
	}
	if checks := c.varChecks(keep); checks != nil {
		return Program{}, checks, false
	}
	return c.program(c.env, checked, x, cost, own), nil, false
}

// VarCheck is a residual conjunct that is a boolean variable or its negation.
type VarCheck struct {
	Name   string // variables.x
	Negate bool
}

// varChecks reads residual conjuncts that are all boolean variables, or
// their negations; nil when any is something else.
func (c *compiler) varChecks(keep []string) []VarCheck {
	var checks []VarCheck
	for _, k := range keep {
		vc := VarCheck{Name: strings.TrimSuffix(strings.TrimPrefix(k, "("), ")")}
		vc.Name, vc.Negate = strings.CutPrefix(vc.Name, "!")
		name, ok := strings.CutPrefix(vc.Name, NSVariables+".")
		if !ok || !lang.IsName(name) || !c.boolVars[vc.Name] {
			return nil
		}
		checks = append(checks, vc)
	}
	return checks
}
