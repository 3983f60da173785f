package casespace_test

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// reference is the slow path: every expression and variable as a whole
// program, evaluated on a case.
type reference struct {
	env      *cel.Env
	space    *casespace.Space
	exprs    []casespace.Expr
	prgs     []cel.Program
	vars     []string
	varPrgs  []cel.Program
	residual map[*ast.AST]cel.Program
	// before, when set, fixes up each case before it is decided: derived
	// fields take the value their field gives them.
	before func(map[string]any)
}

func newReference(t *testing.T, env *cel.Env, s *casespace.Space, exprs []casespace.Expr, vars map[string]*cel.Ast) *reference {
	t.Helper()
	ref := &reference{env: env, space: s, exprs: exprs, residual: map[*ast.AST]cel.Program{}}
	for _, x := range exprs {
		prg, err := env.Program(x.Ast)
		require.NoError(t, err)
		ref.prgs = append(ref.prgs, prg)
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		prg, err := env.Program(vars[name])
		require.NoError(t, err)
		ref.vars = append(ref.vars, name)
		ref.varPrgs = append(ref.varPrgs, prg)
	}
	return ref
}

// eval runs a program on a case, an error being a value like any other.
func eval(t *testing.T, prg cel.Program, act map[string]any) ref.Val {
	t.Helper()
	out, _, err := prg.Eval(act)
	if err != nil {
		return types.NewErr("%v", err)
	}
	return out
}

// check decides act both ways: the cell's result (with its residual run on
// the case) must equal the whole expression, and the cell's candidates must
// be exactly the expressions that match or may match there.
func (r *reference) check(t *testing.T, act map[string]any) {
	t.Helper()
	if r.before != nil {
		r.before(act)
	}
	for i, prg := range r.varPrgs {
		act[r.vars[i]] = eval(t, prg, act)
	}
	fields := r.space.Fields()
	values := make([]ref.Val, len(fields))
	for i, f := range fields {
		values[i] = types.DefaultTypeAdapter.NativeToValue(act[f.Name])
	}
	cell, err := r.space.CellOf(values)
	require.NoError(t, err)
	cands := r.space.Candidates(cell)
	for i, prg := range r.prgs {
		want := eval(t, prg, act)
		res := r.space.Result(cell, i)
		got := res.Value
		if res.Verdict == casespace.Residual {
			p, ok := r.residual[res.Residual]
			if !ok {
				p, err = r.env.PlanProgram(res.Residual)
				require.NoError(t, err, "%s: %s", r.exprs[i].Name, res)
				r.residual[res.Residual] = p
			}
			got = eval(t, p, act)
		}
		same := types.IsError(want) && types.IsError(got) || !types.IsError(want) && want.Equal(got) == types.True
		if !same {
			t.Fatalf("%s in %s on %v: want %v, got %v (%s)", r.exprs[i].Name, r.space.Describe(cell), act, want, got, res)
		}
		candidate := res.Verdict == casespace.Match || res.Verdict == casespace.Residual
		if candidate != slices.Contains(cands, i) {
			t.Fatalf("%s: %s in %s, candidates %v", r.exprs[i].Name, res, r.space.Describe(cell), cands)
		}
	}
}

// checkAll checks a representative case of every cell, the names the
// partition does not decide drawn at random, and n random cases.
func (r *reference) checkAll(t *testing.T, seed uint64, n int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fields := r.space.Fields()
	for cell := range r.space.Cells() {
		act := randomCase(rnd)
		for i, v := range r.space.Representative(cell) {
			act[fields[i].Name] = v
		}
		r.check(t, act)
		// The representative lies in its own cell.
		got, err := r.space.CellOf(r.space.Representative(cell))
		require.NoError(t, err)
		require.Equal(t, cell, got)
	}
	for range n {
		r.check(t, randomCase(rnd))
	}
}
