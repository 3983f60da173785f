package policy

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/celx"
)

// rule is a compiled rule.
type rule struct {
	index  int
	id     string
	target Target
	when   program
	// cond is what remains of when once the indexes have decided their
	// conjuncts; implied is set when nothing remains.
	cond    program
	implied bool
	// varChecks, when set, replace cond: the residual is only boolean
	// variables (or their negations), read from the decision's cache.
	varChecks []varCheck
	penalty   Penalty // the literal penalty, when penaltyX and ladder are nil
	penaltyX  program // the penalty expression, if any
	ladder    *ladder
	duration  Duration
	message   program
	// constMessage holds the message when it is a string literal, which
	// needs no evaluation.
	constMessage *string
	ground       Ground
	// categories lists the category indexes the rule can match; nil for all.
	categories []bool
	// needsActor and roles are what the condition asks of the subject: a
	// subject that is not the violation's actor, or whose role is not in
	// roles (nil: any), cannot match.
	needsActor bool
	roles      roleSet
	// description and reads serve explanations: what the rule is for, and
	// the case fields and variables its condition reads.
	description string
	reads       []string
}

// ladder is a compiled escalation ladder.
type ladder struct {
	name   string
	window Duration
	steps  []stepSpec
}

func (c *compiler) ladders() map[string]*ladder {
	out := map[string]*ladder{}
	for _, l := range c.spec.Ladders {
		if l.Name == "" {
			continue
		}
		if _, dup := out[l.Name]; dup {
			c.errorf(l.node, CodeDuplicateID, "ladder %q is declared twice", l.Name)
			continue
		}
		// A missing window or step list, or an invalid window, is reported
		// by the parser.
		if w := l.fields["window"]; w != nil && !c.bad[w] && l.Window <= 0 {
			c.errorf(w, CodeInvalidValue, "ladder %q needs a window longer than zero", l.Name)
		}
		for i, st := range l.Steps {
			pn := st.fields["penalty"]
			if pn == nil || c.bad[pn] {
				continue // reported by the parser
			}
			switch {
			case st.Penalty == PenaltyNone:
				c.errorf(pn, CodeInvalidValue, "a ladder step must be a penalty above none")
				continue
			case i == 0 && st.Penalty.Permanent():
				// Escalation means a lighter measure first (DSA Art. 23); a
				// rule that bans at once says so with its penalty.
				c.errorf(pn, CodeInvalidValue, "ladder %q starts with %s: a ladder starts below the permanent measure", l.Name, st.Penalty)
			case i > 0 && l.Steps[i-1].Penalty.Level() > st.Penalty.Level():
				c.errorf(pn, CodeInvalidValue, "ladder %q steps down from %s to %s: steps never get lighter", l.Name, l.Steps[i-1].Penalty, st.Penalty)
			}
			dn := st.fields["duration"]
			c.durationFits(st.node, dn, st.Penalty, st.Duration, dn != nil)
		}
		out[l.Name] = &ladder{name: l.Name, window: l.Window, steps: l.Steps}
	}
	return out
}

// durationFits reports a timed penalty without a duration and a duration
// given to a penalty that has none.
func (c *compiler) durationFits(at, durAt *yaml.Node, p Penalty, d Duration, hasDuration bool) {
	switch {
	case hasDuration && c.bad[durAt]:
		// An invalid duration, reported by the parser.
	case p.Timed() && d <= 0:
		c.errorf(at, CodeMissingDuration, "%s needs a duration", p)
	case !p.Timed() && hasDuration:
		c.errorf(durAt, CodeUnexpectedDuration, "%s takes no duration", p)
	}
}

func (c *compiler) rule(i int, r *ruleSpec, ladders map[string]*ladder) *rule {
	if r.fields == nil {
		return nil
	}
	cr := &rule{index: i, id: r.ID, target: r.Target, duration: r.Duration, ground: r.Ground, description: r.Description}
	known := func(name string) bool { return c.declared[name] }
	unknown := func(name string) (Code, string) {
		return CodeUnknownVariable, fmt.Sprintf("variables.%s is not declared", name)
	}
	// check checks an expression of the rule; it reports false for one
	// that has problems or uses a variable that has.
	check := func(x expr) (*cel.Ast, bool) {
		if x.node == nil {
			return nil, false // absent, or not a scalar: reported by the parser
		}
		ast, ok := c.check(c.env, x, known, unknown)
		return ast, ok && !c.usesBroken(ast)
	}
	durNode := r.fields["duration"]
	if n := r.fields["when"]; n != nil {
		if ast, ok := check(r.When); ok {
			if !ast.OutputType().IsExactType(types.BoolType) {
				c.errorf(n, CodeWhenNotBool, "when must be a bool condition, not %s", ast.OutputType())
			} else if cost, ok := c.cost(c.env, ast, r.When); ok {
				cr.when = c.program(c.env, ast, r.When, cost)
				cr.categories = categoryRequirement(ast.NativeRep().Expr(), c.spec.Categories, c.varReq)
				cr.needsActor, cr.roles = subjectRequirement(ast.NativeRep().Expr(), c.varRoles)
				var names []string
				for _, ref := range ast.NativeRep().ReferenceMap() {
					names = append(names, ref.Name)
				}
				cr.reads = readsOf(names)
				cr.cond, cr.varChecks, cr.implied = c.residualProgram(r.When, cr.when, cost)
			}
		}
	}
	if n := r.fields["penalty"]; n != nil && r.Penalty.node != nil {
		src := strings.TrimSpace(r.Penalty.Src)
		if identRE.MatchString(src) {
			p, err := ParsePenalty(src)
			if err != nil {
				c.errorf(n, CodeUnknownPenalty, "%v", err)
			} else {
				cr.penalty = p
				c.fitsTarget(n, r.Target, p)
				c.durationFits(r.node, durNode, p, r.Duration, durNode != nil)
			}
		} else if ast, ok := check(r.Penalty); ok {
			if !ast.OutputType().IsExactType(celx.PenaltyType) {
				c.errorf(n, CodeNotPenalty, "penalty must be a penalty name or an expression yielding one (penalty.warn, ...), not %s", ast.OutputType())
			} else {
				// The penalties it can yield: those it names, directly or
				// through its variables.
				timed := false
				for _, name := range c.penalties(ast) {
					p, _ := ParsePenalty(strings.TrimPrefix(name, nsPenalty+"."))
					c.fitsTarget(n, r.Target, p)
					timed = timed || p.Timed()
				}
				switch {
				case durNode != nil && c.bad[durNode]:
					// An invalid duration, reported by the parser.
				case timed && r.Duration <= 0:
					c.errorf(r.node, CodeMissingDuration, "rule %q can yield restrict or suspend, so it needs a duration", r.ID)
				case !timed && durNode != nil:
					c.errorf(durNode, CodeUnexpectedDuration, "rule %q can only yield penalties that take no duration", r.ID)
				}
				if cost, ok := c.cost(c.env, ast, r.Penalty); ok {
					cr.penaltyX = c.program(c.env, ast, r.Penalty, cost)
				}
			}
		}
	}
	if n := r.fields["ladder"]; n != nil {
		if l, ok := ladders[r.Ladder]; n.Kind != yaml.ScalarNode {
			// Not a name: reported by the parser.
		} else if !ok {
			c.errorf(n, CodeUnknownLadder, "unknown ladder %q", r.Ladder)
		} else {
			cr.ladder = l
			var given []Penalty
			for _, st := range l.steps {
				if !slices.Contains(given, st.Penalty) {
					given = append(given, st.Penalty)
					c.fitsTarget(n, r.Target, st.Penalty)
				}
			}
		}
		if durNode != nil {
			c.errorf(durNode, CodeUnexpectedDuration, "a rule with a ladder takes its durations from the ladder's steps")
		}
	}
	if n := r.fields["message"]; n != nil {
		if checked, ok := check(r.Message); ok {
			if !checked.OutputType().IsExactType(types.StringType) {
				c.errorf(n, CodeNotString, "message must be a string expression (quote plain text: '\"text\"'), not %s", checked.OutputType())
			} else if cost, ok := c.cost(c.env, checked, r.Message); ok {
				if lit := checked.NativeRep().Expr(); lit.Kind() == ast.LiteralKind {
					if s, ok := lit.AsLiteral().(types.String); ok {
						msg := string(s)
						cr.constMessage = &msg
					}
				}
				cr.message = c.program(c.env, checked, r.Message, cost)
			}
		}
	}
	return cr
}

// fitsTarget reports a penalty that the rule's target cannot receive.
func (c *compiler) fitsTarget(n *yaml.Node, t Target, p Penalty) {
	if t.Valid() && !p.AppliesTo(t) {
		want := "ban"
		if t == TargetGroup {
			want = "close"
		}
		c.errorf(n, CodePenaltyTarget, "a rule for a %s cannot give %s (the permanent measure for a %s is %s)", t, p, t, want)
	}
}

// residualProgram compiles what the indexes leave of a condition; on any
// trouble it falls back to the full condition.
func (c *compiler) residualProgram(x expr, full program, cost uint64) (program, []varCheck, bool) {
	parsed, iss := c.env.Parse(x.Src)
	if iss.Err() != nil {
		return full, nil, false
	}
	keep, err := residual(parsed.NativeRep(), c.spec.Categories, c.varRoles)
	if err != nil {
		return full, nil, false
	}
	if len(keep) == 0 {
		return program{}, nil, true
	}
	checked, iss := c.env.Compile(strings.Join(keep, " && "))
	if iss.Err() != nil || !checked.OutputType().IsExactType(types.BoolType) {
		return full, nil, false
	}
	if checks := c.varChecks(keep); checks != nil {
		return program{}, checks, false
	}
	return c.program(c.env, checked, x, cost), nil, false
}

// varCheck is a residual conjunct that is a boolean variable or its negation.
type varCheck struct {
	name   string // variables.x
	negate bool
}

// varChecks reads residual conjuncts that are all boolean variables, or
// their negations; nil when any is something else.
func (c *compiler) varChecks(keep []string) []varCheck {
	var checks []varCheck
	for _, k := range keep {
		vc := varCheck{name: strings.TrimSuffix(strings.TrimPrefix(k, "("), ")")}
		vc.name, vc.negate = strings.CutPrefix(vc.name, "!")
		name, ok := strings.CutPrefix(vc.name, nsVariables+".")
		if !ok || !identRE.MatchString(name) || !c.boolVars[vc.name] {
			return nil
		}
		checks = append(checks, vc)
	}
	return checks
}
