package compiler

import (
	"math"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/parser"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/names"
	"github.com/groupwarden/warden/internal/vocab"
)

// Space is the case space of one target's rules: the partition of the
// finite case fields their `when` conditions (and the variables these use)
// read, and for each cell the rules that can match there. Deciding a
// violation computes its cell from the scope and runs, of the cell's
// candidates, only the residual conditions.
type Space struct {
	*casespace.Space
	// Rules holds, by expression index of the space, the rule whose
	// condition it is.
	Rules []*Rule
	// feeds says, after tables, where the value of each field comes from:
	// those that are not the subject's, then (from shared on) those that
	// are.
	feeds  []feed
	shared int
	// residual holds, per expression, the index in Programs of its
	// residual program in each cell (-1: none); nil for an expression
	// without residual or that fell back.
	residual [][]int32
	Programs []Program
	// fallback marks the expressions that fell back: residual whole.
	fallback []bool
	// penalty holds, by expression index of a rule's condition, the index
	// of its penalty expression in the space; -1 for none.
	penalty []int
}

// Penalty returns the value that the penalty expression of the rule whose
// condition is expression expr has in cell, when the partition decides it.
func (sp *Space) Penalty(cell, expr int) (ref.Val, bool) {
	pe := sp.penalty[expr]
	if pe < 0 {
		return nil, false
	}
	res := sp.Result(cell, pe)
	return res.Value, res.Verdict == casespace.Decided
}

// Fallback reports whether expression expr fell back: it is to be
// evaluated whole, the slow way, in every cell.
func (sp *Space) Fallback(expr int) bool { return sp.fallback[expr] }

// feed reads one field of a space from a scope as a number: an enum field
// by the index of its value (its key less base), a bool as 0 or 1, an
// ordered field by value.
type feed struct {
	key  func(*names.Scope) int64
	base int64
	// field is the field's index in the space.
	field int
	// table holds, for an enum or bool field, what each value index adds
	// to the cell's number (its class times the field's stride); nil for
	// an ordered field, whose class is searched among its cuts.
	table []int
	// subject marks a field of the subject (subject.*): the others are the
	// same for every member of a group case.
	subject bool
}

// Cell returns the cell of the scope's case, or false when a value lies
// outside its field's domain (then the caller decides the slow way).
func (sp *Space) Cell(s *names.Scope) (int, bool) {
	return sp.sum(s, 0, sp.feeds)
}

// SharedCell returns what the fields that are not the subject's add to the
// scope's cell: the same for every subject of a case, so that a group
// case's members compute it once per violation. False as for Cell.
func (sp *Space) SharedCell(s *names.Scope) (int, bool) {
	return sp.sum(s, 0, sp.feeds[:sp.shared])
}

// SubjectCell returns the cell of the scope's case given its SharedCell:
// it adds what the subject's fields add. False as for Cell.
func (sp *Space) SubjectCell(s *names.Scope, shared int) (int, bool) {
	return sp.sum(s, shared, sp.feeds[sp.shared:])
}

// sum adds to cell what the fields fed by feeds add.
func (sp *Space) sum(s *names.Scope, cell int, feeds []feed) (int, bool) {
	for i := range feeds {
		f := &feeds[i]
		k := f.key(s) - f.base
		if f.table != nil {
			if k < 0 || k >= int64(len(f.table)) {
				return 0, false
			}
			cell += f.table[k]
			continue
		}
		class, ok := sp.ClassOfKey(f.field, k)
		if !ok {
			return 0, false
		}
		cell += class * sp.Stride(f.field)
	}
	return cell, true
}

// tables fills in the cell table of each enum and bool field, and puts
// the fields that are not the subject's first.
func (sp *Space) tables() {
	for i := range sp.feeds {
		f := &sp.feeds[i]
		f.field = i
		if sp.Ordered(i) {
			continue
		}
		for v := int64(0); ; v++ {
			class, ok := sp.ClassOfKey(i, v)
			if !ok {
				break
			}
			f.table = append(f.table, class*sp.Stride(i))
		}
	}
	slices.SortStableFunc(sp.feeds, func(a, b feed) int {
		switch {
		case a.subject == b.subject:
			return 0
		case b.subject:
			return -1
		}
		return 1
	})
	sp.shared = slices.IndexFunc(sp.feeds, func(f feed) bool { return f.subject })
	if sp.shared < 0 {
		sp.shared = len(sp.feeds)
	}
}

// Residual returns the residual program of expression expr in cell.
func (sp *Space) Residual(cell, expr int) (Program, bool) {
	if r := sp.residual[expr]; r != nil && r[cell] >= 0 {
		return sp.Programs[r[cell]], true
	}
	return Program{}, false
}

// spaceFields derives the finite case fields of a target from the table of
// names: enums by their CEL type, booleans, counts and ages; every other
// name stays residual. The domains are what a validated case can hold: an
// account's role is one of three, a group has none, and only an account
// can be the actor.
func spaceFields(cats []vocab.Category, t vocab.Target) (casespace.FieldMap, map[string]feed) {
	fields := casespace.FieldMap{}
	feeds := map[string]feed{}
	for _, n := range names.All() {
		f := feed{key: n.Key, subject: n.Section == names.SectionSubject}
		switch {
		case n.Name == "violation.zero_tolerance":
			fields[n.Name] = casespace.Derived("violation.category", func(v ref.Val) ref.Val {
				c, ok := v.(celx.Category)
				return types.Bool(ok && int(c) < len(cats) && cats[c].ZeroTolerance)
			})
			continue
		case n.Type == celx.CategoryType:
			var vals []ref.Val
			for i := range cats {
				vals = append(vals, celx.Category(i))
			}
			fields[n.Name] = casespace.Enum(vals...)
		case n.Type == celx.SeverityType:
			var vals []ref.Val
			for s := vocab.SeverityLow; s <= vocab.SeverityCritical; s++ {
				vals = append(vals, celx.Severity(s))
			}
			fields[n.Name], f.base = casespace.Enum(vals...), int64(vocab.SeverityLow)
		case n.Type == celx.RoleType && t == vocab.TargetGroup:
			fields[n.Name] = casespace.Enum(celx.Role(0))
		case n.Type == celx.RoleType:
			var vals []ref.Val
			for r := vocab.RoleOwner; r <= vocab.RoleMember; r++ {
				vals = append(vals, celx.Role(r))
			}
			fields[n.Name], f.base = casespace.Enum(vals...), int64(vocab.RoleOwner)
		case n.Type == types.BoolType:
			fields[n.Name] = casespace.Bool()
		case n.Type == types.IntType:
			fields[n.Name] = casespace.Count()
		case n.Type == types.DurationType:
			fields[n.Name] = casespace.Domain{Kind: casespace.KindDuration, Min: 0, Max: math.MaxInt64}
		default:
			continue
		}
		feeds[n.Name] = f
	}
	return fields, feeds
}

// spaces builds the case space of each target's rules. A failed analysis
// leaves the target without a space: its rules are decided the slow way.
func (c *compiler) spaces(p *Policy) {
	vars := map[string]*cel.Ast{}
	for name, a := range c.varAsts {
		vars[name] = a
	}
	for _, t := range []vocab.Target{vocab.TargetAccount, vocab.TargetGroup} {
		var exprs []casespace.Expr
		var rules []*Rule
		for _, r := range p.Rules {
			if r.Target != t || r.whenAst == nil {
				continue
			}
			exprs = append(exprs, casespace.Expr{Name: r.ID, Ast: r.whenAst})
			rules = append(rules, r)
		}
		if len(exprs) == 0 {
			continue
		}
		// The penalty expressions follow the conditions, so that a penalty
		// the partition decides is read, not evaluated.
		penalty := make([]int, len(rules))
		for i, r := range rules {
			penalty[i] = -1
			if r.penaltyAst != nil {
				penalty[i] = len(exprs)
				exprs = append(exprs, casespace.Expr{Name: r.ID + ".penalty", Ast: r.penaltyAst})
			}
		}
		fields, feeds := spaceFields(p.Categories, t)
		s, err := casespace.Analyze(c.env, fields, exprs, casespace.Options{MaxCells: c.opts.MaxCells, Variables: vars, Context: c.ctx})
		if err != nil {
			continue
		}
		sp := &Space{Space: s, Rules: rules, residual: make([][]int32, len(rules)), fallback: make([]bool, len(rules)), penalty: penalty}
		for _, f := range s.Fields() {
			sp.feeds = append(sp.feeds, feeds[f.Name])
		}
		sp.tables()
		if !sp.plan(c) {
			continue
		}
		for i, r := range rules {
			info := s.Expr(i)
			sp.fallback[i] = info.Fallback
			r.Space = &SpaceInfo{Fallback: info.Fallback, Fields: info.Fields, Residuals: info.Residuals}
			if pe := penalty[i]; pe >= 0 {
				pi := s.Expr(pe)
				r.Space.PenaltyDecided = !pi.Fallback && len(pi.Residuals) == 0
			}
		}
		p.Spaces[t] = sp
	}
}

// plan compiles one program per distinct residual of each condition.
func (sp *Space) plan(c *compiler) bool {
	planned := map[string]int32{}
	for e := range sp.Rules {
		if c.ctx.Err() != nil {
			return false // Compile returns the context's error
		}
		r := sp.Rules[e]
		if sp.Expr(e).Fallback {
			continue
		}
		for cell := range sp.Cells() {
			res := sp.Result(cell, e)
			if res.Verdict != casespace.Residual {
				continue
			}
			src, err := parser.Unparse(res.Residual.Expr(), res.Residual.SourceInfo())
			if err != nil {
				src = "" // not printable: planned on its own
			}
			idx, ok := planned[src]
			if !ok || src == "" {
				prg, err := c.env.PlanProgram(res.Residual, c.programOptions(r.whenCost)...)
				if err != nil {
					return false
				}
				idx = int32(len(sp.Programs))
				sp.Programs = append(sp.Programs, Program{Prg: prg, Tracked: c.tracks(r.whenCost), Cost: r.whenCost})
				if src != "" {
					planned[src] = idx
				}
			}
			if sp.residual[e] == nil {
				sp.residual[e] = make([]int32, sp.Cells())
				for i := range sp.residual[e] {
					sp.residual[e][i] = -1
				}
			}
			sp.residual[e][cell] = idx
		}
	}
	return true
}

// SpaceInfo says how much of a rule's condition its target's case space
// decides.
type SpaceInfo struct {
	// Fallback is set when the condition would have taken the space over
	// its size limit: it is evaluated whole, as without the space.
	Fallback bool
	// Fields are the case fields whose classes decide it; Residuals what
	// is left to evaluate on the case, as CEL.
	Fields    []string
	Residuals []string
	// PenaltyDecided is set when the rule has a penalty expression and the
	// partition decides its value in every cell.
	PenaltyDecided bool
}

// DecisionNames are the names a property reads of the decision it judges,
// beside the case's names: what [Policy.PropertyEnv] declares.
var DecisionNames = []struct {
	Name string
	Type *types.Type
	Doc  string
}{
	{"decision.penalty", celx.PenaltyType, "the penalty decided, compare with `penalty.<name>`"},
	{"decision.duration", types.DurationType, "its duration; zero for none"},
	{"decision.rule", types.StringType, "the winning rule's id; empty for none"},
	{"decision.pending_review", types.BoolType, "the decision waits for a human review"},
	{"decision.verified", types.BoolType, "the winning violation passed the double judgment"},
	{"decision.violation", types.StringType, "the winning violation's id; empty for none"},
}

// PropertyEnv is the policy's environment with the decision's names
// declared: the environment of a property over a case and its decision.
func (p *Policy) PropertyEnv() (*cel.Env, error) {
	var opts []cel.EnvOption
	for _, n := range DecisionNames {
		opts = append(opts, cel.Variable(n.Name, n.Type))
	}
	return p.env.Extend(opts...)
}

// Analyze builds a case space of the target's rules' conditions and then
// extra expressions (checked in [Policy.PropertyEnv] or the policy's own
// environment), for verification: its cells are finer than the decision
// space's wherever extra cuts a field. It returns the space and, by
// expression index, the rule of each condition (nil for the extras).
func (p *Policy) Analyze(t vocab.Target, extra []casespace.Expr, maxCells int) (*casespace.Space, []*Rule, error) {
	var exprs []casespace.Expr
	var rules []*Rule
	for _, r := range p.Rules {
		if r.Target == t && r.whenAst != nil {
			exprs = append(exprs, casespace.Expr{Name: r.ID, Ast: r.whenAst})
			rules = append(rules, r)
		}
	}
	for _, x := range extra {
		exprs = append(exprs, x)
		rules = append(rules, nil)
	}
	fields, _ := spaceFields(p.Categories, t)
	env, err := p.PropertyEnv()
	if err != nil {
		return nil, nil, err
	}
	s, err := casespace.Analyze(env, fields, exprs, casespace.Options{MaxCells: maxCells, Variables: p.varAsts})
	return s, rules, err
}
