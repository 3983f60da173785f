package policy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/celx"
)

// Option configures Compile.
type Option func(*options)

type options struct {
	costLimit uint64
}

// WithCostLimit sets the runtime cost limit of each CEL evaluation. By
// default it is the policy's cost budget, which the estimated cost of every
// rule is already checked against, so runtime tracking is needed (and paid
// for) only by rules whose estimate exceeds a lower limit set here. A rule
// that runs over the limit is recorded in Decision.Errors and does not count.
func WithCostLimit(limit uint64) Option {
	return func(o *options) { o.costLimit = limit }
}

// Compile checks a policy document and returns the engine that decides cases
// under it. file names the document in error positions. Every problem found
// is reported at once, as an ErrorList sorted by position.
func Compile(file string, src []byte, opts ...Option) (*Engine, error) {
	p := &parser{file: file, lines: strings.Split(string(src), "\n")}
	s := p.parse(src)
	if s == nil {
		sortErrors(p.errs)
		return nil, p.errs
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.costLimit == 0 {
		o.costLimit = s.Settings.CostBudget
	}
	c := &compiler{parser: p, spec: s, opts: o}
	e := c.compile()
	if len(p.errs) > 0 {
		sortErrors(p.errs)
		return nil, p.errs
	}
	return e, nil
}

// compiler turns a checked spec into an engine, adding to the parser's errors.
type compiler struct {
	*parser
	spec *policySpec
	opts options
	env  *cel.Env
	// varCost is the estimated maximum cost of each variable, its own
	// references included; varReq its category requirement; varPenalties
	// the penalty constants it refers to, its own references included.
	varCost      map[string]uint64
	varReq       map[string][]bool
	varPenalties map[string][]string
	// varRoles holds the roles a variable built only of role conditions admits.
	varRoles map[string]roleSet
	// boolVars marks the variables of type bool that compiled.
	boolVars map[string]bool
	// declared holds the variables in the environment, by name; broken
	// those among them whose problems are reported, which expressions that
	// use them do not repeat.
	declared map[string]bool
	broken   map[string]bool
}

func (c *compiler) compile() *Engine {
	s := c.spec
	e := &Engine{
		guards:      s.Guards,
		appeal:      Appeal{Route: s.Appeal.Route, Window: s.Appeal.Window},
		blastRadius: s.Settings.BlastRadius,
		catIndex:    make(map[string]uint8, len(s.Categories)),
		varIndex:    make(map[string]int, len(s.Variables)),
	}
	if len(s.Categories) > math.MaxUint8 {
		c.errorf(s.Categories[math.MaxUint8].node, CodeInvalidValue, "a policy may declare at most %d categories", math.MaxUint8)
		return nil
	}
	for i, cat := range s.Categories {
		if cat.Name == "" {
			continue // reported by the parser
		}
		if _, dup := e.catIndex[cat.Name]; dup {
			c.errorf(cat.node, CodeDuplicateID, "category %q is declared twice", cat.Name)
			continue
		}
		e.catIndex[cat.Name] = uint8(i)
		e.categories = append(e.categories, Category{
			Name: cat.Name, Title: cat.Title, DSACategory: cat.DSACategory,
			DSAKeywords: cat.DSAKeywords, ZeroTolerance: cat.ZeroTolerance,
		})
	}
	env, err := newBaseEnv(s.Categories)
	if err != nil {
		c.errorAt(1, 1, CodeInvalidValue, "categories: %v", err)
		return nil
	}
	c.env = env
	c.varCost = map[string]uint64{}
	c.varReq = map[string][]bool{}
	c.varRoles = map[string]roleSet{}
	c.boolVars = map[string]bool{}
	c.varPenalties = map[string][]string{}
	c.declared = map[string]bool{}
	c.broken = map[string]bool{}
	c.variables(e)
	ladders := c.ladders()
	seen := map[string]bool{}
	for i := range s.Rules {
		r := &s.Rules[i]
		if r.ID != "" && seen[r.ID] {
			c.errorf(r.fields["id"], CodeDuplicateID, "rule id %q is used twice", r.ID)
		}
		seen[r.ID] = true
		if cr := c.rule(i, r, ladders); cr != nil {
			e.rules = append(e.rules, cr)
		}
	}
	if len(c.errs) > 0 {
		return nil
	}
	e.index(len(s.Categories))
	canon, err := json.Marshal(s)
	if err != nil {
		c.errorAt(1, 1, CodeInvalidValue, "canonical form: %v", err)
		return nil
	}
	sum := sha256.Sum256(canon)
	e.ref = PolicyRef{Name: s.Name, Version: s.Version, Digest: hex.EncodeToString(sum[:])}
	e.canonical = canon
	e.pool.New = func() any { return newEvalState(e) }
	return e
}

// variables compiles the named variables in order. Each may use only the
// variables declared before it, so there are no cycles.
func (c *compiler) variables(e *Engine) {
	env := c.env
	// declare adds the variable to the environment; a failed Extend keeps
	// the environment as it was.
	declare := func(name string, t *types.Type) {
		next, err := env.Extend(cel.Variable(nsVariables+"."+name, t))
		if err != nil {
			c.errorf(nil, CodeCELType, "variable %q: %v", name, err)
			return
		}
		env = next
		c.declared[name] = true
	}
	for i, v := range c.spec.Variables {
		if v.Name == "" {
			continue // reported by the parser
		}
		if _, dup := e.varIndex[nsVariables+"."+v.Name]; dup {
			c.errorf(v.node, CodeDuplicateID, "variable %q is declared twice", v.Name)
			continue
		}
		e.varIndex[nsVariables+"."+v.Name] = len(e.vars)
		if v.Expression.node == nil {
			// Reported by the parser; declared so that its uses check.
			e.vars = append(e.vars, compiledVar{name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, types.DynType)
			continue
		}
		ast, ok := c.check(env, v.Expression, func(name string) bool {
			return name != v.Name && c.declared[name]
		}, func(name string) (Code, string) {
			switch {
			case name == v.Name:
				return CodeVariableSelf, fmt.Sprintf("variable %q refers to itself", v.Name)
			case slices.ContainsFunc(c.spec.Variables[i+1:], func(l variableSpec) bool { return l.Name == name }):
				return CodeVariableForward, fmt.Sprintf("variable %q refers to variables.%s, which is declared after it; move it earlier", v.Name, name)
			}
			return CodeUnknownVariable, fmt.Sprintf("variables.%s is not declared", name)
		})
		if !ok {
			e.vars = append(e.vars, compiledVar{name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, types.DynType)
			continue
		}
		name := nsVariables + "." + v.Name
		c.varPenalties[name] = c.penalties(ast)
		if c.usesBroken(ast) {
			// Its cost depends on a variable whose problem is reported.
			e.vars = append(e.vars, compiledVar{name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, ast.OutputType())
			continue
		}
		cost, ok := c.cost(env, ast, v.Expression)
		c.varCost[name] = cost
		c.varReq[name] = categoryRequirement(ast.NativeRep().Expr(), c.spec.Categories, c.varReq)
		if roles := roleCondition(ast.NativeRep().Expr(), c.varRoles); roles != nil {
			c.varRoles[name] = roles
		}
		c.boolVars[name] = ast.OutputType().IsExactType(types.BoolType)
		var prg program
		if ok {
			prg = c.program(env, ast, v.Expression, cost)
		} else {
			c.broken[v.Name] = true
		}
		e.vars = append(e.vars, compiledVar{name: v.Name, prg: prg})
		declare(v.Name, ast.OutputType())
	}
	c.env = env
}

// usesBroken reports whether a checked expression uses a broken variable.
func (c *compiler) usesBroken(ast *cel.Ast) bool {
	return slices.ContainsFunc(referenced(ast, nsVariables), func(name string) bool {
		return c.broken[strings.TrimPrefix(name, nsVariables+".")]
	})
}

// penalties returns the penalties a checked expression refers to, through
// the variables it uses too, sorted.
func (c *compiler) penalties(ast *cel.Ast) []string {
	names := referenced(ast, nsPenalty)
	for _, v := range referenced(ast, nsVariables) {
		for _, p := range c.varPenalties[v] {
			if !slices.Contains(names, p) {
				names = append(names, p)
			}
		}
	}
	slices.Sort(names)
	return names
}

// check parses and type-checks an expression, reporting every problem at
// its position in the file. known tells which variables.x names exist; varErr
// classifies one that does not.
func (c *compiler) check(env *cel.Env, x expr, known func(string) bool, varErr func(string) (Code, string)) (*cel.Ast, bool) {
	parsed, iss := env.Parse(x.Src)
	if iss.Err() != nil {
		for _, err := range iss.Errors() {
			c.celError(x, err.Location.Line(), err.Location.Column(), CodeCELSyntax, err.Message)
		}
		return nil, false
	}
	ok := true
	info := parsed.NativeRep().SourceInfo()
	qualifiedRefs(parsed.NativeRep().Expr(), func(id int64, ns, name string) {
		var code Code
		var msg string
		switch ns {
		case nsCategory:
			if !slices.ContainsFunc(c.spec.Categories, func(cs categorySpec) bool { return cs.Name == name }) {
				code, msg = CodeUnknownCategory, fmt.Sprintf("unknown category %q: the catalogue does not declare it", name)
			}
		case nsPenalty:
			if _, err := ParsePenalty(name); err != nil {
				code, msg = CodeUnknownPenalty, err.Error()
			}
		case nsSeverity:
			if s, err := ParseSeverity(name); err != nil || s == 0 {
				code, msg = CodeCELType, fmt.Sprintf("unknown severity %q (want low, medium, high or critical)", name)
			}
		case nsRole:
			if r, err := ParseRole(name); err != nil || r == 0 {
				code, msg = CodeCELType, fmt.Sprintf("unknown role %q (want owner, admin or member)", name)
			}
		case nsVariables:
			if !known(name) {
				code, msg = varErr(name)
			}
		}
		if code != "" {
			loc := info.GetStartLocation(id)
			c.celError(x, loc.Line(), loc.Column(), code, msg)
			ok = false
		}
	})
	if !ok {
		return nil, false
	}
	checked, iss := env.Check(parsed)
	if iss.Err() != nil {
		for _, err := range iss.Errors() {
			c.celError(x, err.Location.Line(), err.Location.Column(), CodeCELType, err.Message)
		}
		return nil, false
	}
	return checked, true
}

func (c *compiler) celError(x expr, line, col int, code Code, msg string) {
	fl, fc := celx.FilePosition(x.node, c.lines, line, col)
	c.errorAt(fl, fc, code, "%s", msg)
}

// cost estimates an expression's maximum cost, the variables it reads
// included, and reports it when over the budget.
func (c *compiler) cost(env *cel.Env, ast *cel.Ast, x expr) (uint64, bool) {
	est, err := env.EstimateCost(ast, estimator{})
	if err != nil {
		c.errorf(x.node, CodeCostOverBudget, "cannot estimate cost: %v", err)
		return 0, false
	}
	total := est.Max
	for _, name := range referenced(ast, nsVariables) {
		total = addSat(total, c.varCost[name])
	}
	if total > c.spec.Settings.CostBudget {
		c.errorf(x.node, CodeCostOverBudget, "estimated cost %d is over the budget of %d (settings.cost_budget)", total, c.spec.Settings.CostBudget)
		return total, false
	}
	return total, true
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// program plans an expression, tracking its runtime cost only when its
// estimate does not already prove it under the limit.
func (c *compiler) program(env *cel.Env, ast *cel.Ast, x expr, estimate uint64) program {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	tracked := estimate > c.opts.costLimit
	if tracked {
		opts = append(opts, cel.CostLimit(c.opts.costLimit))
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		c.errorf(x.node, CodeCELType, "%v", err)
	}
	return program{prg: prg, tracked: tracked}
}

// program is a planned CEL expression. A tracked program counts its runtime
// cost, which needs an execution frame of its own.
type program struct {
	prg     cel.Program
	tracked bool
}

// referenced returns the distinct names in namespace ns that a checked
// expression refers to, sorted.
func referenced(ast *cel.Ast, ns string) []string {
	var names []string
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if strings.HasPrefix(ref.Name, ns+".") && !slices.Contains(names, ref.Name) {
			names = append(names, ref.Name)
		}
	}
	slices.Sort(names)
	return names
}

func sortErrors(l ErrorList) {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
