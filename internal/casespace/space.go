package casespace

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/parser"
)

// DefaultMaxCells is the size limit of a space when [Options.MaxCells] is
// zero: 4,096 cells. An expression whose atoms would take the space above
// the limit falls back: it stays residual as a whole in every cell.
const DefaultMaxCells = 1 << 12

// Expr is one expression to analyse: a rule's condition, a variable, a
// penalty expression.
type Expr struct {
	// Name says which expression it is, in errors and [Space.Expr].
	Name string
	// Ast is the expression, checked in the environment given to [Analyze].
	Ast *cel.Ast
}

// Options tune [Analyze].
type Options struct {
	// MaxCells bounds the number of cells; 0 means [DefaultMaxCells].
	// Expressions are admitted in order, each with all its atoms, as long as
	// the space stays within the limit; those that would take it above fall
	// back and stay residual as a whole.
	MaxCells int
	// Variables maps names that stand for another expression (a policy's
	// variables.leader) to that expression, checked in the same environment.
	// A reference to one is decided where the variable's own expression is,
	// and otherwise stays a residual reference.
	Variables map[string]*cel.Ast
	// Context, when set, stops the analysis once it ends: Analyze then
	// returns its error.
	Context context.Context
}

// Space is the case space of a set of expressions: the finite fields they
// read, each partitioned into classes, and for every cell (one class of
// each field) what each expression is there. It is immutable once built and
// safe for concurrent use.
type Space struct {
	fields []*field
	stride []int
	cells  int
	exprs  []*exprSpace
	// admitted holds the atoms of the fields, while the space is built.
	admitted map[*atom]bool
	// candidates lists, per cell, the expressions that match or may;
	// cellCands points each cell at its list, shared between cells.
	candidates [][]int
	cellCands  []int32
	// vars holds, while a cell is tabulated, the value of each variable
	// met in it, so that a variable read many times (directly or through
	// other variables) is analysed once a cell, not once a reference.
	vars map[*variable]varValue
}

// ended returns the error of an analysis's context once it has ended; nil
// for no context.
func ended(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return context.Cause(ctx)
}

// varValue is a variable's value in one cell; residual when the partition
// cannot decide it there.
type varValue struct {
	v        ref.Val
	residual bool
	err      error
}

// exprSpace is what one expression is over the space: a table of results
// over the classes of the fields it reads.
type exprSpace struct {
	name     string
	src      *ast.AST
	root     *node
	fallback bool
	fields   []int // indexes into Space.fields
	stride   []int
	table    []Result
}

// Verdict is what an expression is in a cell.
type Verdict uint8

// The verdicts of an expression in a cell.
const (
	// NoMatch: a condition that is false in every case of the cell.
	NoMatch Verdict = iota + 1
	// Match: a condition that is true in every case of the cell.
	Match
	// Decided: an expression (not a condition) with one value in every case
	// of the cell, such as a penalty.
	Decided
	// Residual: what the expression is depends on what the partition does
	// not decide; [Result.Residual] is what is left to evaluate.
	Residual
)

// String names the verdict.
func (v Verdict) String() string {
	switch v {
	case NoMatch:
		return "no match"
	case Match:
		return "match"
	case Decided:
		return "decided"
	case Residual:
		return "residual"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Result is what one expression is in one cell.
type Result struct {
	Verdict Verdict
	// Value is the expression's value unless the verdict is Residual.
	Value ref.Val
	// Residual is, for the Residual verdict, the checked expression that
	// remains once the cell's atoms are replaced by their values: evaluated
	// on any case of the cell it gives what the whole expression gives.
	// Plan it with [cel.Env.PlanProgram] in the environment of the analysis.
	Residual *ast.AST
}

// String is the verdict, and the residual as CEL source.
func (r Result) String() string {
	switch r.Verdict {
	case Residual:
		return "residual: " + unparse(r.Residual.Expr(), r.Residual)
	case Decided:
		return fmt.Sprint("decided: ", r.Value)
	}
	return r.Verdict.String()
}

// unparse writes an expression as CEL, or says why it cannot: a
// comprehension is written back only if the environment tracks macro calls
// (cel.EnableMacroCallTracking).
func unparse(e ast.Expr, src *ast.AST) string {
	s, err := parser.Unparse(e, src.SourceInfo())
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return s
}

// Analyze builds the case space of exprs. Each must be checked in env, the
// environment its residuals are later planned in. Functions an expression
// calls must be deterministic given their arguments, or late bound (then
// the expression calling them stays residual).
func Analyze(env *cel.Env, fields Fields, exprs []Expr, opt Options) (*Space, error) {
	limit := opt.MaxCells
	if limit <= 0 {
		limit = DefaultMaxCells
	}
	b := &builder{env: env, fields: fields, state: map[string]*field{}, vars: opt.Variables, built: map[string]*variable{}}
	s := &Space{admitted: map[*atom]bool{}}
	for _, x := range exprs {
		if err := ended(opt.Context); err != nil {
			return nil, err
		}
		if x.Ast == nil || !x.Ast.IsChecked() {
			return nil, fmt.Errorf("casespace: %s: the expression is not checked", x.Name)
		}
		src := x.Ast.NativeRep()
		root := b.build(src.Expr(), src)
		if b.err != nil {
			return nil, fmt.Errorf("casespace: %s: %w", x.Name, b.err)
		}
		es := &exprSpace{name: x.Name, src: src, root: root}
		ok, err := s.admit(root, limit)
		if err != nil {
			return nil, fmt.Errorf("casespace: %s: %w", x.Name, err)
		}
		if !ok {
			es.fallback = true
			es.root = &node{op: opResidual, e: src.Expr(), src: src}
		}
		s.exprs = append(s.exprs, es)
	}
	s.stride = make([]int, len(s.fields))
	s.cells = 1
	for i, f := range s.fields {
		s.stride[i] = s.cells
		s.cells *= f.nclass()
	}
	for _, es := range s.exprs {
		if err := s.tabulate(opt.Context, es); err != nil {
			return nil, fmt.Errorf("casespace: %s: %w", es.name, err)
		}
	}
	s.index()
	s.admitted = nil
	return s, nil
}

// field returns the partition state of a finite field, new or met before.
func (b *builder) field(name string) (*field, error) {
	if f, ok := b.state[name]; ok {
		return f, nil
	}
	d, _ := b.fields.Domain(name)
	if err := d.check(name); err != nil {
		return nil, err
	}
	f := &field{name: name, dom: d}
	b.state[name] = f
	return f, nil
}

// admit adds the atoms of one expression to the space unless that would
// take it above limit cells, in which case nothing changes.
func (s *Space) admit(root *node, limit int) (bool, error) {
	var fresh []*atom
	root.atoms(func(a *atom) {
		if !s.admitted[a] && !slices.Contains(fresh, a) {
			fresh = append(fresh, a)
		}
	})
	if len(fresh) == 0 {
		return true, nil
	}
	saved := map[*field]field{}
	nfields := len(s.fields)
	for _, a := range fresh {
		f := a.f
		if _, ok := saved[f]; !ok {
			saved[f] = *f
			if f.atoms == nil {
				f.idx = len(s.fields)
				s.fields = append(s.fields, f)
			}
		}
		if err := f.add(a); err != nil {
			return false, err
		}
	}
	cells := 1
	for _, f := range s.fields {
		cells *= f.nclass()
		if cells > limit {
			for f, old := range saved {
				*f = old
			}
			s.fields = s.fields[:nfields]
			return false, nil
		}
	}
	for _, a := range fresh {
		s.admitted[a] = true
	}
	return true, nil
}

// tabulate computes an expression's result on every combination of the
// classes of the fields it reads, looking at ctx every 256 cells.
func (s *Space) tabulate(ctx context.Context, es *exprSpace) error {
	used := map[*field]bool{}
	es.root.atoms(func(a *atom) { used[a.f] = true })
	size := 1
	for i, f := range s.fields {
		if used[f] {
			es.fields = append(es.fields, i)
			es.stride = append(es.stride, size)
			size *= f.nclass()
		}
	}
	es.table = make([]Result, size)
	rb := &residualBuilder{src: es.src}
	classes := make([]int, len(s.fields))
	s.vars = map[*variable]varValue{}
	defer func() { s.vars = nil }()
	for local := range es.table {
		if local%256 == 0 {
			if err := ended(ctx); err != nil {
				return err
			}
		}
		for j, fi := range es.fields {
			classes[fi] = local / es.stride[j] % s.fields[fi].nclass()
		}
		clear(s.vars)
		v, res, err := s.eval(es.root, classes, rb)
		if err != nil {
			return err
		}
		switch {
		case res != nil:
			es.table[local] = Result{Verdict: Residual, Residual: rb.ast(res)}
		case v == types.True:
			es.table[local] = Result{Verdict: Match, Value: v}
		case v == types.False:
			es.table[local] = Result{Verdict: NoMatch, Value: v}
		default:
			es.table[local] = Result{Verdict: Decided, Value: v}
		}
	}
	return nil
}

// index lists each cell's candidates, sharing equal lists.
func (s *Space) index() {
	s.cellCands = make([]int32, s.cells)
	ids := map[string]int32{}
	var key strings.Builder
	var list []int
	for c := range s.cells {
		key.Reset()
		list = list[:0]
		for i := range s.exprs {
			if v := s.Result(c, i).Verdict; v == Match || v == Residual {
				list = append(list, i)
				key.WriteString(strconv.Itoa(i))
				key.WriteByte(',')
			}
		}
		id, ok := ids[key.String()]
		if !ok {
			id = int32(len(s.candidates))
			ids[key.String()] = id
			s.candidates = append(s.candidates, append([]int(nil), list...))
		}
		s.cellCands[c] = id
	}
}

// eval is the value of a node in the cell whose classes are given, or the
// residual expression when the cell does not decide it.
func (s *Space) eval(n *node, classes []int, rb *residualBuilder) (ref.Val, ast.Expr, error) {
	switch n.op {
	case opConst:
		return n.val, nil, nil
	case opResidual:
		return nil, n.e, nil
	case opAtom:
		f := n.atom.f
		if f.idx >= len(s.fields) || s.fields[f.idx] != f {
			return nil, nil, errors.New("internal error: an atom over a field outside the space")
		}
		v, err := n.atom.value(f.key(f.first[classes[f.idx]]))
		return v, nil, err
	case opVar:
		m, ok := s.vars[n.v]
		if !ok {
			v, res, err := s.eval(n.v.root, classes, rb)
			m = varValue{v: v, residual: err == nil && res != nil, err: err}
			if s.vars != nil {
				s.vars[n.v] = m
			}
		}
		if m.err != nil || !m.residual {
			return m.v, nil, m.err
		}
		return nil, n.e, nil // the reference, not the variable's own residual
	case opNot:
		v, res, err := s.eval(n.kids[0], classes, rb)
		if err != nil {
			return nil, nil, err
		}
		if res != nil {
			return nil, rb.call(operators.LogicalNot, overloads.LogicalNot, res), nil
		}
		b, ok := v.(types.Bool)
		if !ok {
			return nil, n.e, nil
		}
		return !b, nil, nil
	case opAnd, opOr:
		absorb := types.Bool(n.op == opOr) // false absorbs &&, true absorbs ||
		var rest []ast.Expr
		for _, k := range n.kids {
			v, res, err := s.eval(k, classes, rb)
			switch {
			case err != nil:
				return nil, nil, err
			case res != nil:
				rest = append(rest, res)
			case v == absorb:
				return absorb, nil, nil
			case v != !absorb:
				rest = append(rest, k.e) // not a bool: leave it to CEL
			}
		}
		switch len(rest) {
		case 0:
			return !absorb, nil, nil
		case 1:
			return nil, rest[0], nil
		}
		fn, id := operators.LogicalAnd, overloads.LogicalAnd
		if n.op == opOr {
			fn, id = operators.LogicalOr, overloads.LogicalOr
		}
		out := rest[0]
		for _, r := range rest[1:] {
			out = rb.call(fn, id, out, r)
		}
		return nil, out, nil
	case opCond:
		v, res, err := s.eval(n.kids[0], classes, rb)
		if err != nil {
			return nil, nil, err
		}
		if res == nil {
			switch v {
			case types.True:
				return s.eval(n.kids[1], classes, rb)
			case types.False:
				return s.eval(n.kids[2], classes, rb)
			}
			return nil, n.e, nil
		}
		branches := [2]ast.Expr{}
		for i, k := range n.kids[1:] {
			bv, bres, err := s.eval(k, classes, rb)
			switch {
			case err != nil:
				return nil, nil, err
			case bres != nil:
				branches[i] = bres
			case bv == types.True || bv == types.False:
				branches[i] = rb.literal(bv)
			default:
				branches[i] = k.e // a constant of another type: as written
			}
		}
		return nil, rb.call(operators.Conditional, overloads.Conditional, res, branches[0], branches[1]), nil
	}
	return nil, nil, fmt.Errorf("internal error: node %d", n.op)
}

// residualBuilder makes the new nodes of one expression's residuals, with
// ids above the expression's own, in a copy of its type and reference maps
// that all its residuals share.
type residualBuilder struct {
	src     *ast.AST
	next    int64
	types   map[int64]*types.Type
	refs    map[int64]*ast.ReferenceInfo
	factory ast.ExprFactory
}

func (rb *residualBuilder) init() {
	if rb.factory != nil {
		return
	}
	rb.factory = ast.NewExprFactory()
	rb.next = ast.MaxID(rb.src)
	rb.types = maps.Clone(rb.src.TypeMap())
	rb.refs = maps.Clone(rb.src.ReferenceMap())
}

func (rb *residualBuilder) id(t *types.Type) int64 {
	rb.init()
	id := rb.next
	rb.next++
	rb.types[id] = t
	return id
}

func (rb *residualBuilder) call(fn, overload string, args ...ast.Expr) ast.Expr {
	t := types.BoolType
	if fn == operators.Conditional {
		t = rb.typeOf(args[1])
	}
	id := rb.id(t)
	rb.refs[id] = &ast.ReferenceInfo{OverloadIDs: []string{overload}}
	return rb.factory.NewCall(id, fn, args...)
}

func (rb *residualBuilder) literal(v ref.Val) ast.Expr {
	id := rb.id(types.BoolType)
	return rb.factory.NewLiteral(id, v)
}

func (rb *residualBuilder) typeOf(e ast.Expr) *types.Type {
	rb.init()
	if t, ok := rb.types[e.ID()]; ok {
		return t
	}
	return types.DynType
}

// ast wraps a residual expression as a checked AST of its own.
func (rb *residualBuilder) ast(e ast.Expr) *ast.AST {
	if rb.types == nil {
		return ast.NewCheckedAST(ast.NewAST(e, rb.src.SourceInfo()), rb.src.TypeMap(), rb.src.ReferenceMap())
	}
	return ast.NewCheckedAST(ast.NewAST(e, rb.src.SourceInfo()), rb.types, rb.refs)
}
