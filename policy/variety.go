package policy

import (
	"math"
	"slices"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/compiler"
)

// variety holds the constants the residual conditions of a cell compare
// the case with: what verification draws the values the partition does not
// decide from (ids, the confidence of an identification), so that the
// cases it generates for the cell take each residual's branches, not only
// the values a random draw happens to give. A residual `subject.id
// .startsWith("vip-")` is true for no id a random draw makes.
type variety struct {
	strs []string
	nums []float64
}

// maxVariety bounds the constants kept of one cell's residuals, so that a
// residual with very many literals does not multiply the cases without end.
const maxVariety = 16

// harvest collects the distinct string and double literals of residual
// expressions, in the order met, at most maxVariety of each, and those of
// the variables they refer to (through vars, which may be nil), whose
// constants a reference stands for.
func harvest(vars func(name string) (*ast.AST, bool), residuals ...*ast.AST) variety {
	var v variety
	seen := map[string]bool{} // the variables already read
	var walk func(*ast.AST)
	walk = func(r *ast.AST) {
		// The text of a duration("720h") or timestamp(…) is no id.
		notText := map[int64]bool{}
		ast.PostOrderVisit(r.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
			if e.Kind() == ast.CallKind && (e.AsCall().FunctionName() == "duration" || e.AsCall().FunctionName() == "timestamp") {
				for _, a := range e.AsCall().Args() {
					notText[a.ID()] = true
				}
			}
		}))
		ast.PostOrderVisit(r.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
			switch e.Kind() {
			case ast.IdentKind, ast.SelectKind:
				if name := qualified(e); vars != nil && name != "" && !seen[name] {
					seen[name] = true
					if va, ok := vars(name); ok {
						walk(va)
					}
				}
				return
			case ast.LiteralKind:
			default:
				return
			}
			switch x := e.AsLiteral().(type) {
			case types.String:
				// A text longer than an id by more than a byte gives none:
				// kept, it would only cost a copy per cell.
				if !notText[e.ID()] && len(x) <= compiler.MaxIDLen+1 {
					v.strs = addNew(v.strs, string(x))
				}
			case types.Double:
				v.nums = addNew(v.nums, float64(x))
			}
		}))
	}
	for _, r := range residuals {
		if r != nil {
			walk(r)
		}
	}
	return v
}

// addNew appends x to xs unless xs holds it or maxVariety constants.
func addNew[T comparable](xs []T, x T) []T {
	if len(xs) < maxVariety && !slices.Contains(xs, x) {
		xs = append(xs, x)
	}
	return xs
}

// merge is v with the constants of w it lacks, within maxVariety.
func (v variety) merge(w variety) variety {
	for _, s := range w.strs {
		v.strs = addNew(v.strs, s)
	}
	for _, f := range w.nums {
		v.nums = addNew(v.nums, f)
	}
	return v
}

// qualified is the dotted name an identifier or a chain of field
// selections on one writes (variables.vip), or "" for another expression.
func qualified(e ast.Expr) string {
	switch e.Kind() {
	case ast.IdentKind:
		return e.AsIdent()
	case ast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			return ""
		}
		if op := qualified(s.Operand()); op != "" {
			return op + "." + s.FieldName()
		}
	}
	return ""
}

// ids are ids on both sides of every string constant: the constant itself,
// with a byte after it and before it (for prefixes, suffixes and
// substrings), and cut short by one byte. Each is a valid id, at most
// MaxIDLen bytes and not empty; none repeats.
func (v variety) ids() []string {
	var out []string
	add := func(s string) {
		if s != "" && len(s) <= compiler.MaxIDLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range v.strs {
		add(s)
		add(s + "x")
		add("x" + s)
		if s != "" {
			add(s[:len(s)-1])
		}
	}
	return out
}

// confidences are the confidences at and on both sides of every double
// constant between 0 and 1: a comparison with the constant takes each of
// its branches on one of them.
func (v variety) confidences() []float64 {
	var out []float64
	add := func(f float64) {
		if f >= 0 && f <= 1 && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for _, c := range v.nums {
		add(c)
		add(math.Nextafter(c, math.Inf(-1)))
		add(math.Nextafter(c, math.Inf(1)))
	}
	return out
}

// coverage records, for one cell, which of the rules keeping a residual
// there the cell's cases matched and which they did not: a residual whose
// rule both matched and did not was checked on both of its branches. A nil
// coverage records nothing and has no variety.
type coverage struct {
	ids     []string // the rules keeping a residual in the cell
	v       variety
	matched []bool
	missed  []bool
}

// residualRules is the coverage of the rules keeping a residual in a cell
// of a verification space of p, whose first props expressions are the rules'
// conditions and penalty expressions (rules[j] nil for the latter, whose
// constants count all the same); nil when none keeps one.
func residualRules(p *compiler.Policy, sp *casespace.Space, rules []*compiler.Rule, cell, props int) *coverage {
	var asts []*ast.AST
	c := &coverage{}
	for _, j := range sp.Candidates(cell) {
		res := sp.Result(cell, j)
		if j >= props || res.Verdict != casespace.Residual {
			continue
		}
		asts = append(asts, res.Residual)
		if j < len(rules) && rules[j] != nil && !slices.Contains(c.ids, rules[j].ID) {
			c.ids = append(c.ids, rules[j].ID)
		}
	}
	if asts == nil {
		return nil
	}
	c.v = harvest(p.Variable, asts...)
	c.matched, c.missed = make([]bool, len(c.ids)), make([]bool, len(c.ids))
	return c
}

// variety is what the cell's residuals compare the case with; nil for a
// nil coverage.
func (c *coverage) variety() *variety {
	if c == nil {
		return nil
	}
	return &c.v
}

// saw records which of the rules a decision matched.
func (c *coverage) saw(d *Decision) {
	if c == nil {
		return
	}
	for i, id := range c.ids {
		if slices.ContainsFunc(d.Matches, func(m Match) bool { return m.Rule == id }) {
			c.matched[i] = true
		} else {
			c.missed[i] = true
		}
	}
}

// rules are the rules keeping a residual in the cell.
func (c *coverage) rules() []string {
	if c == nil {
		return nil
	}
	return c.ids
}

// covered counts the rules that both matched and did not.
func (c *coverage) covered() int {
	n := 0
	for i := range c.rules() {
		if c.matched[i] && c.missed[i] {
			n++
		}
	}
	return n
}

// withViolationID is c with its one violation's id set to id.
func withViolationID(c Case, id string) Case {
	c.Violations = slices.Clone(c.Violations)
	c.Violations[0].ID = id
	return c
}

// withGroupID is c with its group's id set to id.
func withGroupID(c Case, id string) Case {
	c.Group.ID = id
	return c
}

// withSubjectID is c with its subject, an account, renamed id, in the
// group's owner or admins and as the actor where it is one; false for a
// group case, or a name another account of the case has (its owner, an
// admin, the actor of a violation), which would change the case's cell.
func withSubjectID(c Case, id string) (Case, bool) {
	if c.Account == nil {
		return c, false
	}
	old := c.Account.ID
	if id == old || id == c.Group.Owner || slices.Contains(c.Group.Admins, id) ||
		slices.ContainsFunc(c.Violations, func(v Violation) bool { return v.Actor == id }) {
		return c, false // another account's id: the case would move to another cell
	}
	acc := *c.Account
	acc.ID = id
	c.Account = &acc
	switch {
	case c.Group.Owner == old:
		c.Group.Owner = id
	case slices.Contains(c.Group.Admins, old):
		c.Group.Admins = slices.Clone(c.Group.Admins)
		c.Group.Admins[slices.Index(c.Group.Admins, old)] = id
	}
	c.Violations = slices.Clone(c.Violations)
	for i := range c.Violations {
		if c.Violations[i].Actor == old {
			c.Violations[i].Actor = id
		}
	}
	return c, true
}

// withConfidence is c with the confidence of its one violation's
// identifications set to conf.
func withConfidence(c Case, conf float64) Case {
	c.Violations = slices.Clone(c.Violations)
	v := &c.Violations[0]
	v.Evidence.Identifications = slices.Clone(v.Evidence.Identifications)
	for i := range v.Evidence.Identifications {
		v.Evidence.Identifications[i].Confidence = conf
	}
	return c
}
