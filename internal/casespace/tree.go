package casespace

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// op is what a node of an analysed expression is.
type op uint8

const (
	opConst    op = iota + 1 // a value that reads nothing of the case
	opAtom                   // an expression over one finite field
	opResidual               // what the partition cannot decide
	opVar                    // a reference to a variable, analysed through
	opAnd
	opOr
	opNot
	opCond // c ? a : b
)

// node is the analysed form of one expression: atoms and residuals joined
// by the connectives the partition can see through.
type node struct {
	op   op
	e    ast.Expr // the expression in its source
	src  *ast.AST
	kids []*node
	val  ref.Val   // opConst
	atom *atom     // opAtom
	v    *variable // opVar
}

// variable is a named expression other expressions refer to.
type variable struct {
	name string
	root *node
}

// atom is an expression that reads one finite field and nothing else of
// the case, so its value is a function of the field's piece.
type atom struct {
	f      *field
	prg    cel.Program
	points []int64 // the constants an ordered field is compared with
	// derived are the fields derived from f that the atom reads too.
	derived []derivedField
	// values caches the atom's value by the key of a piece: the piece index
	// for an enum or bool field, the number for an ordered one.
	values map[int64]ref.Val
	ids    map[int64]int // the same, as small ids of distinct values
	seen   []ref.Val
}

// value is the atom's value on the piece of its field with that key (see
// [field.key]).
func (a *atom) value(key int64) (ref.Val, error) {
	if v, ok := a.values[key]; ok {
		return v, nil
	}
	in := a.f.input(key)
	act := map[string]any{a.f.name: in}
	for _, d := range a.derived {
		act[d.name] = d.derive(in)
	}
	out, _, err := a.prg.Eval(act)
	if err == nil && types.IsUnknownOrError(out) {
		err = fmt.Errorf("%v", out)
	}
	if err != nil {
		return nil, fmt.Errorf("casespace: field %s = %v: %w", a.f.name, in, err)
	}
	a.values[key] = out
	return out, nil
}

// valueID is a small number that is the same for equal values of the atom.
func (a *atom) valueID(key int64) (int, error) {
	if id, ok := a.ids[key]; ok {
		return id, nil
	}
	v, err := a.value(key)
	if err != nil {
		return 0, err
	}
	id := len(a.seen)
	for i, w := range a.seen {
		if w.Equal(v) == types.True {
			id = i
			break
		}
	}
	if id == len(a.seen) {
		a.seen = append(a.seen, v)
	}
	a.ids[key] = id
	return id, nil
}

// derivedField is a field whose value is a function of another's.
type derivedField struct {
	name   string
	derive func(ref.Val) ref.Val
}

// builder turns the checked ASTs of one analysis into node trees.
type builder struct {
	env    *cel.Env
	fields Fields
	state  map[string]*field // the finite fields met so far, by name
	order  []*field
	vars   map[string]*cel.Ast
	built  map[string]*variable
	err    error
}

// refs says which finite fields e reads, and whether it reads anything else
// of the case (another variable, a comprehension's own variables).
func (b *builder) refs(e ast.Expr, src *ast.AST) (fields map[string]bool, derived []string, other bool) {
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.IdentKind {
			return
		}
		r := src.ReferenceMap()[e.ID()]
		switch {
		case r != nil && r.Value != nil: // a constant
		case r == nil:
			other = true
		default:
			d, ok := b.fields.Domain(r.Name)
			if !ok {
				other = true
				return
			}
			name := r.Name
			if d.Kind == KindDerived {
				if base, ok := b.fields.Domain(d.From); !ok || d.Derive == nil || base.Kind != KindEnum && base.Kind != KindBool {
					b.err = fmt.Errorf("casespace: field %s: derived from %q, which is not an enum or bool field, or without a Derive function", name, d.From)
					other = true
					return
				}
				if !slices.Contains(derived, name) {
					derived = append(derived, name)
				}
				name = d.From
			}
			if fields == nil {
				fields = map[string]bool{}
			}
			fields[name] = true
		}
	}))
	return fields, derived, other
}

// plan makes a program of a subexpression of a checked AST.
func (b *builder) plan(e ast.Expr, src *ast.AST) (cel.Program, error) {
	return b.env.PlanProgram(ast.NewCheckedAST(ast.NewAST(e, src.SourceInfo()), src.TypeMap(), src.ReferenceMap()))
}

// constant evaluates an expression that reads nothing of the case. It fails
// for an expression that errs, or that calls a function bound late to the
// case: those stay residual.
func (b *builder) constant(e ast.Expr, src *ast.AST) (ref.Val, bool) {
	prg, err := b.plan(e, src)
	if err != nil {
		return nil, false
	}
	out, _, err := prg.Eval(map[string]any{})
	if err != nil || types.IsUnknownOrError(out) {
		return nil, false
	}
	return out, true
}

// build analyses e, a subexpression of src.
func (b *builder) build(e ast.Expr, src *ast.AST) *node {
	fields, derived, other := b.refs(e, src)
	if !other && len(fields) == 0 {
		if v, ok := b.constant(e, src); ok {
			return &node{op: opConst, e: e, src: src, val: v}
		}
		return &node{op: opResidual, e: e, src: src}
	}
	if !other && len(fields) == 1 {
		for name := range fields {
			if n := b.atomNode(e, src, name, derived); n != nil {
				return n
			}
		}
	}
	switch e.Kind() {
	case ast.IdentKind:
		if r := src.ReferenceMap()[e.ID()]; r != nil {
			if v := b.variable(r.Name); v != nil {
				return &node{op: opVar, e: e, src: src, v: v}
			}
		}
	case ast.CallKind:
		c := e.AsCall()
		var o op
		switch c.FunctionName() {
		case operators.LogicalAnd:
			o = opAnd
		case operators.LogicalOr:
			o = opOr
		case operators.LogicalNot:
			o = opNot
		case operators.Conditional:
			o = opCond
		}
		if o != 0 && !c.IsMemberFunction() {
			n := &node{op: o, e: e, src: src}
			for _, a := range c.Args() {
				n.kids = append(n.kids, b.build(a, src))
			}
			return n
		}
	}
	return &node{op: opResidual, e: e, src: src}
}

// variable analyses the variable of that name once, or returns nil when the
// name is not a variable (or one being analysed: a cycle stays residual).
func (b *builder) variable(name string) *variable {
	if v, ok := b.built[name]; ok {
		if v.root == nil {
			return nil
		}
		return v
	}
	a, ok := b.vars[name]
	if !ok || a == nil || !a.IsChecked() {
		return nil
	}
	v := &variable{name: name}
	b.built[name] = v
	src := a.NativeRep()
	v.root = b.build(src.Expr(), src)
	return v
}

// atomNode makes e an atom over the field name, or returns nil when it
// cannot be one (an ordered field not compared with constants, a value on
// which e errs).
func (b *builder) atomNode(e ast.Expr, src *ast.AST, name string, derived []string) *node {
	f, err := b.field(name)
	if err != nil {
		b.err = err
		return nil
	}
	a := &atom{f: f, values: map[int64]ref.Val{}, ids: map[int64]int{}}
	for _, d := range derived {
		dom, _ := b.fields.Domain(d)
		a.derived = append(a.derived, derivedField{d, dom.Derive})
	}
	if f.ordered() {
		if len(derived) > 0 {
			return nil // only comparisons of the field itself are constant between cuts
		}
		pts, ok := b.orderedPoints(e, src, name, f.dom)
		if !ok {
			return nil
		}
		a.points = pts
	}
	if a.prg, err = b.plan(e, src); err != nil {
		return nil
	}
	// Try the atom on every piece it makes (an ordered field: cut at its own
	// constants), so that an expression that errs on some value stays
	// residual. Finer cuts later only split these pieces.
	for _, key := range f.keys(a.points) {
		if _, err := a.value(key); err != nil {
			return nil
		}
	}
	return &node{op: opAtom, e: e, src: src, atom: a}
}

// orderedPoints checks that e is a combination (&&, ||, !, ?:) of
// comparisons of the field with constants, which makes its value the same
// on every piece between the constants, and returns the constants.
func (b *builder) orderedPoints(e ast.Expr, src *ast.AST, name string, d Domain) ([]int64, bool) {
	isField := func(e ast.Expr) bool {
		if e.Kind() != ast.IdentKind {
			return false
		}
		r := src.ReferenceMap()[e.ID()]
		return r != nil && r.Value == nil && r.Name == name
	}
	var pts []int64
	var walk func(e ast.Expr) bool
	walk = func(e ast.Expr) bool {
		if e.Kind() != ast.CallKind || e.AsCall().IsMemberFunction() {
			return false
		}
		c := e.AsCall()
		args := c.Args()
		switch c.FunctionName() {
		case operators.LogicalAnd, operators.LogicalOr, operators.LogicalNot, operators.Conditional:
			for _, a := range args {
				if !walk(a) {
					return false
				}
			}
			return true
		case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals,
			operators.Greater, operators.GreaterEquals:
			k := args[1]
			if !isField(args[0]) {
				if !isField(args[1]) {
					return false
				}
				k = args[0]
			}
			v, ok := b.constant(k, src)
			if !ok {
				return false
			}
			n, ok := d.unbox(v)
			pts = append(pts, n)
			return ok
		case operators.In:
			if !isField(args[0]) {
				return false
			}
			v, ok := b.constant(args[1], src)
			if !ok {
				return false
			}
			l, ok := v.(traits.Lister)
			if !ok {
				return false
			}
			for it := l.Iterator(); it.HasNext() == types.True; {
				n, ok := d.unbox(it.Next())
				if !ok {
					return false
				}
				pts = append(pts, n)
			}
			return true
		}
		return false
	}
	return pts, walk(e)
}

// walk calls f with every node of the tree, and of the variables it refers
// to (each variable once).
func (n *node) walk(f func(*node), seen map[*variable]bool) {
	f(n)
	if n.op == opVar && !seen[n.v] {
		seen[n.v] = true
		n.v.root.walk(f, seen)
	}
	for _, k := range n.kids {
		k.walk(f, seen)
	}
}

// atoms calls f with every atom of the tree, through its variables.
func (n *node) atoms(f func(*atom)) {
	n.walk(func(n *node) {
		if n.op == opAtom {
			f(n.atom)
		}
	}, map[*variable]bool{})
}

// residuals calls f with every residual leaf of the tree, through its
// variables.
func (n *node) residuals(f func(*node)) {
	n.walk(func(n *node) {
		if n.op == opResidual {
			f(n)
		}
	}, map[*variable]bool{})
}
