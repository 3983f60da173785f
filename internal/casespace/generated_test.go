package casespace_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"cel.dev/cel-go/common/ast"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// genCondition writes a random condition of at most the given depth:
// atoms over every kind of finite field, residual leaves (ids, doubles,
// comparisons of two fields, comprehensions, variables) and the
// connectives &&, ||, ! and ?:.
func genCondition(r *rand.Rand, depth int) string { return genTree(r, depth, 14) }

// genTree draws its leaves from the first kinds of genLeaf: 11 of them
// are atoms over finite fields only.
func genTree(r *rand.Rand, depth, kinds int) string {
	if depth == 0 || r.IntN(3) == 0 {
		return genLeaf(r, kinds)
	}
	a, b := genTree(r, depth-1, kinds), genTree(r, depth-1, kinds)
	switch r.IntN(5) {
	case 0, 1:
		return "(" + a + " && " + b + ")"
	case 2, 3:
		return "(" + a + " || " + b + ")"
	case 4:
		if r.IntN(2) == 0 {
			return "!(" + a + ")"
		}
		return "(" + a + " ? " + b + " : " + genTree(r, depth-1, kinds) + ")"
	}
	panic("unreachable")
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// finiteLeaves is the number of leaf kinds of genLeaf that are atoms.
const finiteLeaves = 11

func genLeaf(r *rand.Rand, kinds int) string {
	cmp := func() string { return pick(r, "==", "!=", "<", "<=", ">", ">=") }
	switch r.IntN(kinds) {
	case 0:
		return fmt.Sprintf("violation.category %s category.%s", pick(r, "==", "!="), pick(r, categories...))
	case 1:
		return fmt.Sprintf("violation.category in [category.%s, category.%s]", pick(r, categories...), pick(r, categories...))
	case 2:
		return fmt.Sprintf("violation.severity %s severity.%s", cmp(), pick(r, severities...))
	case 3:
		return pick(r, "violation.zero_tolerance", "violation.verified", "violation.automated", "violation.trusted_report", "subject.is_actor")
	case 4:
		return fmt.Sprintf("subject.role %s role.%s", pick(r, "==", "!="), pick(r, roles...))
	case 5:
		return fmt.Sprintf("violation.reports %s %d", cmp(), r.IntN(12))
	case 6:
		return fmt.Sprintf("%d %s subject.prior_penalties", r.IntN(6), cmp())
	case 7:
		return fmt.Sprintf("group.members %s %d", cmp(), pick(r, 1, 50, 500, 200_000))
	case 8:
		return fmt.Sprintf("subject.age %s duration(%q)", cmp(), pick(r, "0s", "720h", "8760h"))
	case 9:
		return fmt.Sprintf("violation.reports in [%d, %d]", r.IntN(5), r.IntN(12))
	case 10:
		// One field, several comparisons: still one atom.
		return fmt.Sprintf("(violation.reports > %d && violation.reports < %d || subject.is_actor == %v && subject.is_actor)",
			r.IntN(5), r.IntN(12), r.IntN(2) == 0)
	case 11:
		return pick(r, `subject.id.startsWith("bot")`, `violation.confidence > 0.5`, `violation.id == "v1"`)
	case 12:
		return pick(r, `violation.reports > subject.prior_penalties`, `subject.history.exists(h, h == violation.category)`,
			`size(subject.history) >= 2`, `violation.reports * 2 > 7`)
	default:
		return pick(r, "variables.leader", "variables.serious", "!variables.leader")
	}
}

// genPenalty writes a random penalty expression: conditions choosing
// between constants.
func genPenalty(r *rand.Rand) string {
	return fmt.Sprintf("%s ? penalty.%s : (%s ? penalty.%s : penalty.none)",
		genCondition(r, 2), pick(r, penalties...), genCondition(r, 1), pick(r, penalties...))
}

// TestGenerated analyses seeded random policies and decides every cell's
// representative and random cases both ways: by the cell's results and by
// evaluating each whole expression. Each seed runs twice: with the default
// size limit and with one small enough that expressions fall back.
func TestGenerated(t *testing.T) {
	env := newEnv(t)
	vars := variables(t, env)
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 42))
		var exprs []casespace.Expr
		for i := range 40 {
			src := genCondition(r, 4)
			if i%8 == 7 {
				src = genPenalty(r)
			}
			exprs = append(exprs, casespace.Expr{Name: fmt.Sprintf("rules[%d]", i), Ast: compile(t, env, src)})
		}
		for _, limit := range []int{0, 64} {
			t.Run(fmt.Sprintf("seed=%d/limit=%d", seed, limit), func(t *testing.T) {
				s, err := casespace.Analyze(env, domains(), exprs, casespace.Options{MaxCells: limit, Variables: vars})
				require.NoError(t, err)
				max := limit
				if max == 0 {
					max = casespace.DefaultMaxCells
				}
				require.LessOrEqual(t, s.Cells(), max)
				var fallback, decided int
				for i := range s.Exprs() {
					info := s.Expr(i)
					if info.Fallback {
						fallback++
					}
					if len(info.Residuals) == 0 {
						decided++
					}
				}
				t.Logf("%d cells over %d fields; %d expressions fully decided, %d fall back",
					s.Cells(), len(s.Fields()), decided, fallback)
				newReference(t, env, s, exprs, vars).checkAll(t, seed, 200)
			})
		}
	}
}

// A condition built of atoms alone is decided in every cell; in a
// condition with residual leaves, what remains in a cell names only what
// those leaves name: the cell's atoms are gone.
func TestResidualsShrink(t *testing.T) {
	env := newEnv(t)
	r := rand.New(rand.NewPCG(7, 7))
	for range 100 {
		src := genTree(r, 4, finiteLeaves)
		s, err := casespace.Analyze(env, domains(), []casespace.Expr{{Name: "r", Ast: compile(t, env, src)}}, casespace.Options{})
		require.NoError(t, err)
		require.Empty(t, s.Expr(0).Residuals, src)
		for cell := range s.Cells() {
			v := s.Result(cell, 0).Verdict
			require.True(t, v == casespace.Match || v == casespace.NoMatch, "%s in %s: %s", src, s.Describe(cell), v)
		}
	}
	for range 100 {
		src := genCondition(r, 4)
		s, err := casespace.Analyze(env, domains(), []casespace.Expr{{Name: "r", Ast: compile(t, env, src)}}, casespace.Options{})
		require.NoError(t, err)
		leaves := strings.Join(s.Expr(0).Residuals, " ")
		for cell := range s.Cells() {
			res := s.Result(cell, 0)
			if res.Verdict != casespace.Residual {
				continue
			}
			for _, id := range identNames(res.Residual) {
				require.Contains(t, leaves, id, "%s in %s: %s", src, s.Describe(cell), res)
			}
		}
	}
}

// identNames lists the names a checked expression refers to, constants
// left out.
func identNames(a *ast.AST) []string {
	var out []string
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.IdentKind {
			return
		}
		if r := a.ReferenceMap()[e.ID()]; r != nil && r.Value == nil && !strings.HasPrefix(r.Name, "@") {
			out = append(out, r.Name)
		}
	}))
	return out
}
