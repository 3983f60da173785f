package compiler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/lang"
	"github.com/groupwarden/warden/internal/names"
	"github.com/groupwarden/warden/internal/vocab"
	"github.com/groupwarden/warden/internal/yamlpos"
)

// Policy is a compiled policy: its programs, their indexes and the
// settings decisions read. It is immutable once Compile returns it.
type Policy struct {
	Ref        vocab.PolicyRef
	Canonical  []byte // the canonical form, whose sha256 is Ref.Digest
	Categories []vocab.Category
	// CatIndex finds a category's index by name; [Policy.CategoryIndex]
	// is the fast way to read it.
	CatIndex map[string]uint8
	// catSlots finds a category by a hash of its name's length and three
	// of its bytes: slot catSlot(name, catMul) holds 1 + the index of the
	// category there, 0 for none. It is nil when no multiplier tried gives
	// every category a slot of its own, and then CategoryIndex reads
	// CatIndex.
	catSlots *[256]uint8
	catMul   uint32
	// Vars are the variables in the order declared; VarIndex finds one by
	// its qualified name (variables.x).
	Vars     []Var
	VarIndex map[string]int
	// Rules are in the order declared; ByTarget lists, for each target and
	// category index, the rules that can match, in order.
	Rules       []*Rule
	ByTarget    [3][][]*Rule
	Guards      lang.Guards
	Appeal      vocab.Appeal
	BlastRadius int
	// Spaces holds each target's case space; nil for a target without
	// rules, or whose analysis failed (its rules are decided the slow way).
	Spaces [3]*Space
	// env is the environment every expression was checked in, and varAsts
	// the checked variables, for analyses after compiling (verification).
	env     *cel.Env
	varAsts map[string]*cel.Ast
	// varCost and varSizes are the compiler's estimates of the variables,
	// for [Policy.EstimateCost].
	varCost  map[string]uint64
	varSizes map[string]cost.SizeEstimate
	// CostLimit bounds the run-time cost of one evaluation of a tracked
	// program; DecisionCostLimit the cost of all the evaluations of one
	// decision, tracked or not.
	CostLimit         uint64
	DecisionCostLimit uint64
}

// CategoryIndex returns the index of the category named name: most often
// one slot of a table and one comparison of strings, no hash of the name.
func (p *Policy) CategoryIndex(name string) (uint8, bool) {
	if p.catSlots == nil {
		i, ok := p.CatIndex[name]
		return i, ok
	}
	if name == "" {
		return 0, false
	}
	if j := p.catSlots[catSlot(name, p.catMul)]; j != 0 && p.Categories[j-1].Name == name {
		return j - 1, true
	}
	return 0, false
}

// catSlot is the slot of a name that is not empty under multiplier mul.
func catSlot(name string, mul uint32) uint8 {
	n := len(name)
	k := uint32(n) | uint32(name[0])<<8 | uint32(name[n-1])<<16 | uint32(name[n/2])<<24
	return uint8((k * mul) >> 24)
}

// slotMultipliers are the odd multipliers slotCategories tries, in order.
var slotMultipliers = func() []uint32 {
	out := make([]uint32, 64)
	x := uint32(0x9e3779b9)
	for i := range out {
		out[i] = x | 1
		x = x*0x2c1b3c6d + 0x297a2d39
	}
	return out
}()

// slotCategories fills in p.catSlots with the first multiplier that gives
// every category a slot of its own, or leaves it nil.
func (p *Policy) slotCategories() {
	if len(p.Categories) > 64 {
		return // too crowded for 256 slots: the map
	}
	for _, mul := range slotMultipliers {
		var slots [256]uint8
		ok := true
		for i, c := range p.Categories {
			if c.Name == "" {
				return
			}
			k := catSlot(c.Name, mul)
			if slots[k] != 0 {
				ok = false
				break
			}
			slots[k] = uint8(i + 1)
		}
		if ok {
			p.catSlots, p.catMul = &slots, mul
			return
		}
	}
}

// Options are the compile options that can change a decision; every one
// that differs from its default is part of the canonical form, so of the
// digest.
type Options struct {
	// CostLimit is the run-time cost limit of each evaluation (0: the
	// policy's cost budget).
	CostLimit uint64 `json:"cost_limit,omitempty"`
	// DecisionCostLimit is the cost limit of one decision (0:
	// DefaultDecisionCostLimit).
	DecisionCostLimit uint64 `json:"decision_cost_limit,omitempty"`
	// TrackAll tracks the cost of every program, as tests that check the
	// estimates against tracked costs need. It changes no decision whose
	// estimates are sound.
	TrackAll bool `json:"-"`
	// MaxCells bounds each target's case space (0:
	// [casespace.DefaultMaxCells]; negative: no space). Deciding by lookup
	// gives the decisions of the slow path, so it is not in the digest.
	MaxCells int `json:"-"`
}

// DefaultDecisionCostLimit is the cost limit of one decision when the
// caller sets none: every evaluation of every rule and variable for every
// violation of the case, counted at its estimate when the estimate proves
// it under the per-evaluation limit and at its tracked cost otherwise.
const DefaultDecisionCostLimit = 100_000_000

// Var is a compiled variable; Prg is nil when it did not compile.
type Var struct {
	Name string
	Prg  Program
}

// Compile turns a parsed spec into a policy, adding every problem it finds
// to errs; it returns nil when there is any. opts.MaxCells bounds each
// target's case space (0: [casespace.DefaultMaxCells]; negative: no
// space, every rule decided the slow way). Once ctx ends it stops, between
// variables, rules and cells, and returns nil and the context's cause.
func Compile(ctx context.Context, spec *lang.Spec, errs *lang.Errors, opts Options) (*Policy, error) {
	costLimit := opts.CostLimit
	if costLimit == 0 || costLimit == spec.Settings.CostBudget {
		costLimit, opts.CostLimit = spec.Settings.CostBudget, 0
	}
	if opts.DecisionCostLimit == DefaultDecisionCostLimit {
		opts.DecisionCostLimit = 0
	}
	c := &compiler{Errors: errs, spec: spec, costLimit: costLimit, opts: opts, ctx: ctx}
	p := c.compile()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if len(errs.List) > 0 {
		return nil, nil
	}
	p.CostLimit = costLimit
	p.DecisionCostLimit = cmp.Or(opts.DecisionCostLimit, DefaultDecisionCostLimit)
	return p, nil
}

// Index lists, for each target and category, the rules that can match. A
// policy built by hand (a test's reference without indexes) calls it.
func (p *Policy) Index() {
	ncat := len(p.Categories)
	for _, t := range []vocab.Target{vocab.TargetAccount, vocab.TargetGroup} {
		p.ByTarget[t] = make([][]*Rule, ncat)
		for _, r := range p.Rules {
			if r.Target != t {
				continue
			}
			for c := range ncat {
				if r.Categories == nil || r.Categories[c] {
					p.ByTarget[t][c] = append(p.ByTarget[t][c], r)
				}
			}
		}
	}
}

// compiler turns a checked spec into a policy, adding to the parser's errors.
type compiler struct {
	*lang.Errors
	spec      *lang.Spec
	costLimit uint64
	opts      Options
	// ctx stops the compilation once it ends.
	ctx context.Context
	env *cel.Env
	// positions maps CEL positions into the file, each scalar once.
	positions yamlpos.Mapper
	// tracked is set when a program tracks its cost because its estimate
	// is over the per-evaluation limit.
	tracked bool
	// varSizes bounds the value of each variable of a sized type.
	varSizes map[string]cost.SizeEstimate
	// varAsts holds the checked expression of each variable that compiled,
	// by qualified name, for the case space.
	varAsts map[string]*cel.Ast
	// varCost is the estimated maximum cost of each variable, its own
	// references included; varReq its category requirement; varPenalties
	// the penalty constants it refers to, its own references included.
	varCost      map[string]uint64
	varReq       map[string][]bool
	varPenalties map[string][]string
	// varRoles holds the roles a variable built only of role conditions admits.
	varRoles map[string]RoleSet
	// boolVars marks the variables of type bool that compiled.
	boolVars map[string]bool
	// declared holds the variables in the environment, by name; broken
	// those among them whose problems are reported, which expressions that
	// use them do not repeat.
	declared map[string]bool
	broken   map[string]bool
}

func (c *compiler) compile() *Policy {
	s := c.spec
	e := &Policy{
		Guards:      s.Guards,
		Appeal:      vocab.Appeal{Route: s.Appeal.Route, Window: s.Appeal.Window},
		BlastRadius: s.Settings.BlastRadius,
		CatIndex:    make(map[string]uint8, len(s.Categories)),
		VarIndex:    make(map[string]int, len(s.Variables)),
	}
	// The parser reads at most lang.MaxCategories (255) categories, so an
	// index fits a byte.
	for i, cat := range s.Categories {
		if cat.Name == "" {
			continue // reported by the parser
		}
		if first, dup := e.CatIndex[cat.Name]; dup {
			c.At(cat.Node, vocab.CodeDuplicateID, "category %q is declared twice, first at %s", cat.Name, at(s.Categories[first].Node))
			continue
		}
		e.CatIndex[cat.Name] = uint8(i)
		e.Categories = append(e.Categories, vocab.Category{
			Name: cat.Name, Title: cat.Title, DSACategory: cat.DSACategory,
			DSAKeywords: cat.DSAKeywords, ZeroTolerance: cat.ZeroTolerance,
		})
	}
	e.slotCategories()
	env, err := newBaseEnv(s.Categories)
	if err != nil {
		c.AtLine(1, 1, vocab.CodeInvalidValue, "categories: %v", err)
		return nil
	}
	c.env = env
	c.varCost = map[string]uint64{}
	c.varSizes = map[string]cost.SizeEstimate{}
	c.varReq = map[string][]bool{}
	c.varRoles = map[string]RoleSet{}
	c.boolVars = map[string]bool{}
	c.varPenalties = map[string][]string{}
	c.declared = map[string]bool{}
	c.broken = map[string]bool{}
	c.varAsts = map[string]*cel.Ast{}
	c.variables(e)
	ladders := c.ladders()
	seen := map[string]*yaml.Node{}
	for i := range s.Rules {
		if c.ctx.Err() != nil {
			return nil
		}
		r := &s.Rules[i]
		if first, dup := seen[r.ID]; r.ID != "" && dup {
			c.At(r.Fields["id"], vocab.CodeDuplicateID, "rule id %q is used twice, first at %s", r.ID, at(first))
		} else if r.ID != "" {
			seen[r.ID] = r.Fields["id"]
		}
		if cr := c.rule(i, r, ladders); cr != nil {
			e.Rules = append(e.Rules, cr)
		}
	}
	if len(c.List) > 0 {
		return nil
	}
	e.Index()
	e.env, e.varAsts = c.env, c.varAsts
	e.varCost, e.varSizes = c.varCost, c.varSizes
	if c.opts.MaxCells >= 0 {
		c.spaces(e)
	}
	if c.ctx.Err() != nil {
		return nil // a space cut short is no space: the caller returns the error
	}
	opts := c.opts
	if !c.tracked {
		// No program tracks its cost under this limit, nor would under the
		// budget: the limit changes no decision.
		opts.CostLimit = 0
	}
	canon, err := canonical(s, opts)
	if err != nil {
		c.AtLine(1, 1, vocab.CodeInvalidValue, "canonical form: %v", err)
		return nil
	}
	sum := sha256.Sum256(canon)
	e.Ref = vocab.PolicyRef{Name: s.Name, Version: s.Version, Digest: hex.EncodeToString(sum[:])}
	e.Canonical = canon
	return e
}

// variables compiles the named variables in order. Each may use only the
// variables declared before it, so there are no cycles.
func (c *compiler) variables(e *Policy) {
	env := c.env
	// declare adds the variable to the environment; a failed Extend keeps
	// the environment as it was.
	declare := func(name string, t *types.Type) {
		next, err := env.Extend(cel.Variable(NSVariables+"."+name, t))
		if err != nil {
			c.At(nil, vocab.CodeCELType, "variable %q: %v", name, err)
			return
		}
		env = next
		c.declared[name] = true
	}
	firstVar := map[string]*yaml.Node{}
	for i, v := range c.spec.Variables {
		if c.ctx.Err() != nil {
			return // Compile returns the context's error
		}
		if v.Name == "" {
			continue // reported by the parser
		}
		if _, dup := e.VarIndex[NSVariables+"."+v.Name]; dup {
			c.At(v.Node, vocab.CodeDuplicateID, "variable %q is declared twice, first at %s", v.Name, at(firstVar[v.Name]))
			continue
		}
		firstVar[v.Name] = v.Node
		e.VarIndex[NSVariables+"."+v.Name] = len(e.Vars)
		if v.Expression.Node == nil {
			// Reported by the parser; declared so that its uses check.
			e.Vars = append(e.Vars, Var{Name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, types.DynType)
			continue
		}
		ast, ok := c.check(env, v.Expression, func(name string) bool {
			return name != v.Name && c.declared[name]
		}, func(name string) (vocab.Code, string) {
			switch {
			case name == v.Name:
				return vocab.CodeVariableSelf, fmt.Sprintf("variable %q refers to itself", v.Name)
			case slices.ContainsFunc(c.spec.Variables[i+1:], func(l lang.VariableSpec) bool { return l.Name == name }):
				return vocab.CodeVariableForward, fmt.Sprintf("variable %q refers to variables.%s, which is declared after it; move it earlier", v.Name, name)
			}
			return vocab.CodeUnknownVariable, c.undeclaredVariable(name, i)
		})
		if !ok {
			e.Vars = append(e.Vars, Var{Name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, types.DynType)
			continue
		}
		name := NSVariables + "." + v.Name
		c.varPenalties[name] = c.penalties(ast)
		if c.usesBroken(ast) {
			// Its cost depends on a variable whose problem is reported.
			e.Vars = append(e.Vars, Var{Name: v.Name})
			c.broken[v.Name] = true
			declare(v.Name, ast.OutputType())
			continue
		}
		cost, own, ok := c.cost(env, ast, v.Expression)
		c.varCost[name] = cost
		c.varReq[name] = categoryRequirement(ast.NativeRep().Expr(), c.spec.Categories, c.varReq)
		if roles := roleCondition(ast.NativeRep().Expr(), c.varRoles); roles != nil {
			c.varRoles[name] = roles
		}
		c.boolVars[name] = ast.OutputType().IsExactType(types.BoolType)
		if sized(ast.OutputType()) {
			if size, bounded := c.varSize(env, v.Expression.Src); bounded {
				c.varSizes[name] = size
			}
		}
		var prg Program
		if ok {
			prg = c.program(env, ast, v.Expression, cost, own)
			c.varAsts[name] = ast
		} else {
			c.broken[v.Name] = true
		}
		e.Vars = append(e.Vars, Var{Name: v.Name, Prg: prg})
		declare(v.Name, ast.OutputType())
	}
	c.env = env
}

// usesBroken reports whether a checked expression uses a broken variable.
func (c *compiler) usesBroken(ast *cel.Ast) bool {
	return slices.ContainsFunc(referenced(ast, NSVariables), func(name string) bool {
		return c.broken[strings.TrimPrefix(name, NSVariables+".")]
	})
}

// penalties returns the penalties a checked expression refers to, through
// the variables it uses too, sorted.
func (c *compiler) penalties(ast *cel.Ast) []string {
	names := referenced(ast, NSPenalty)
	for _, v := range referenced(ast, NSVariables) {
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
func (c *compiler) check(env *cel.Env, x lang.Expr, known func(string) bool, varErr func(string) (vocab.Code, string)) (*cel.Ast, bool) {
	parsed, iss := env.Parse(x.Src)
	if iss.Err() != nil {
		for _, err := range iss.Errors() {
			c.celError(x, err.Location.Line(), err.Location.Column(), vocab.CodeCELSyntax, err.Message)
		}
		return nil, false
	}
	ok := true
	info := parsed.NativeRep().SourceInfo()
	qualifiedRefs(parsed.NativeRep().Expr(), func(id int64, ns, name string) {
		var code vocab.Code
		var msg string
		switch ns {
		case NSCategory:
			if !slices.ContainsFunc(c.spec.Categories, func(cs lang.CategorySpec) bool { return cs.Name == name }) {
				code, msg = vocab.CodeUnknownCategory, fmt.Sprintf("unknown category %q: the catalogue does not declare it%s",
					name, names.DidYouMean(name, c.categoryNames()))
			}
		case NSPenalty:
			if _, err := vocab.ParsePenalty(name); err != nil {
				code, msg = vocab.CodeUnknownPenalty, lang.UnknownPenalty(name)
			}
		case NSSeverity:
			if s, err := vocab.ParseSeverity(name); err != nil || s == 0 {
				code, msg = vocab.CodeCELType, fmt.Sprintf("unknown severity %q%s", name, lang.Hint(name, []string{"low", "medium", "high", "critical"}))
			}
		case NSRole:
			if r, err := vocab.ParseRole(name); err != nil || r == 0 {
				code, msg = vocab.CodeCELType, fmt.Sprintf("unknown role %q%s", name, lang.Hint(name, []string{"owner", "admin", "member"}))
			}
		case NSVariables:
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
			msg, about := c.typeMessage(parsed.NativeRep().Expr(), info, err)
			line, col := err.Location.Line(), err.Location.Column()
			if about != nil {
				line, col = startOf(about, info)
			}
			c.celError(x, line, col, vocab.CodeCELType, msg)
		}
		return nil, false
	}
	return checked, true
}

func (c *compiler) celError(x lang.Expr, line, col int, code vocab.Code, msg string) {
	fl, fc := c.positions.FilePosition(x.Node, c.Lines, line, col)
	c.AtLine(fl, fc, code, "%s", msg)
}

// estimate is an expression's estimated maximum cost with the variables
// it reads (total), of the sizes and costs given, and without them (own).
func estimate(env *cel.Env, ast *cel.Ast, sizes map[string]cost.SizeEstimate, varCost map[string]uint64) (total, own uint64, err error) {
	est, err := env.EstimateCost(ast, estimator{sizes: sizes})
	if err != nil {
		return 0, 0, err
	}
	own, total = est.Max, est.Max
	for _, name := range referenced(ast, NSVariables) {
		total = addSat(total, varCost[name])
	}
	return total, own, nil
}

// cost estimates an expression's maximum cost, the variables it reads
// included (total), and without them (own), and reports it when over the
// budget.
func (c *compiler) cost(env *cel.Env, ast *cel.Ast, x lang.Expr) (total, own uint64, ok bool) {
	total, own, err := estimate(env, ast, c.varSizes, c.varCost)
	if err != nil {
		c.At(x.Node, vocab.CodeCostOverBudget, "cannot estimate cost: %v", err)
		return 0, 0, false
	}
	if total > c.spec.Settings.CostBudget {
		if msg, line, col := c.overBudget(ast, total); line > 0 {
			c.celError(x, line, col, vocab.CodeCostOverBudget, msg)
		} else {
			c.At(x.Node, vocab.CodeCostOverBudget, "%s", msg)
		}
		return total, own, false
	}
	return total, own, true
}

// canonical is the canonical form of a spec compiled with opts: its JSON,
// with the options that differ from their defaults as a last member.
func canonical(s *lang.Spec, opts Options) ([]byte, error) {
	canon, err := json.Marshal(s)
	opts.TrackAll, opts.MaxCells = false, 0 // neither changes a decision
	if err != nil || opts == (Options{}) {
		return canon, err
	}
	o, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	canon = append(canon[:len(canon)-1], `,"compile_options":`...)
	canon = append(canon, o...)
	return append(canon, '}'), nil
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// program plans an expression, tracking its runtime cost only when its
// estimate (total, its variables included) does not already prove it under
// the limit. own is its estimate without its variables, which a decision
// counts for an untracked run: each variable counts its own when it runs.
func (c *compiler) program(env *cel.Env, ast *cel.Ast, x lang.Expr, total, own uint64) Program {
	prg, err := env.Program(ast, c.programOptions(total)...)
	if err != nil {
		c.At(x.Node, vocab.CodeCELType, "%v", err)
	}
	return Program{Prg: prg, Tracked: c.tracks(total), Cost: own}
}

// tracks reports whether a program whose estimated cost is total tracks its
// cost at run time, and notes that some program does under the limit.
func (c *compiler) tracks(total uint64) bool {
	c.tracked = c.tracked || total > c.costLimit
	return total > c.costLimit || c.opts.TrackAll
}

// programOptions are the options of a program whose estimated cost is
// total.
func (c *compiler) programOptions(total uint64) []cel.ProgramOption {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if total > c.costLimit || c.opts.TrackAll {
		opts = append(opts, cel.CostLimit(c.costLimit))
	}
	return opts
}

// Program is a planned CEL expression; Prg is nil for none. A tracked
// program counts its run-time cost, which needs an execution frame of its
// own; an untracked one is proven by its estimate to cost at most Cost
// (its variables not included).
type Program struct {
	Prg     cel.Program
	Tracked bool
	Cost    uint64
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
