package casespace_test

import (
	"fmt"
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// defaultRules are the conditions and the penalty expression of the
// default policy as its first version wrote them (the shipped one is tested
// as it is in default_test.go).
var defaultRules = []struct{ name, src string }{
	{"focus-group-close", "violation.zero_tolerance"},
	{"focus-leader-ban", "violation.zero_tolerance && variables.leader && variables.serious"},
	{"focus-leader-suspend", "violation.zero_tolerance && variables.leader && !variables.serious"},
	{"focus-actor-ban", "violation.zero_tolerance && subject.is_actor"},
	{"other-group-critical", "!violation.zero_tolerance && violation.severity == severity.critical"},
	{"other-group-repeat", "!violation.zero_tolerance"},
	{"other-actor-repeat", "!violation.zero_tolerance && subject.is_actor"},
	{"other-actor-critical", "!violation.zero_tolerance && subject.is_actor && violation.severity == severity.critical"},
	{"other-leader-responsibility", "!violation.zero_tolerance && variables.leader && !subject.is_actor && variables.serious"},
	{"other-leader-responsibility.penalty", "violation.severity == severity.critical ? penalty.suspend : penalty.warn"},
}

func analyze(t *testing.T, env *cel.Env, srcs []struct{ name, src string }, opt casespace.Options) (*casespace.Space, []casespace.Expr) {
	t.Helper()
	var exprs []casespace.Expr
	for _, r := range srcs {
		exprs = append(exprs, casespace.Expr{Name: r.name, Ast: compile(t, env, r.src)})
	}
	s, err := casespace.Analyze(env, domains(), exprs, opt)
	require.NoError(t, err)
	return s, exprs
}

// cellWhere lists the cells that hold cases with the given values (fields
// not named may be anything).
func cellWhere(t *testing.T, s *casespace.Space, want map[string]ref.Val) []int {
	t.Helper()
	var out []int
	fields := s.Fields()
	for cell := range s.Cells() {
		rep := s.Representative(cell)
		ok := true
		for i, f := range fields {
			w, named := want[f.Name]
			if !named {
				continue
			}
			have, err := s.ClassOf(i, rep[i])
			require.NoError(t, err)
			wanted, err := s.ClassOf(i, w)
			require.NoError(t, err)
			ok = ok && have == wanted
		}
		if ok {
			out = append(out, cell)
		}
	}
	return out
}

func TestDefaultPolicy(t *testing.T) {
	env := newEnv(t)
	vars := variables(t, env)
	s, exprs := analyze(t, env, defaultRules, casespace.Options{Variables: vars})

	// Four fields: zero tolerance (2), severity cut at high and critical (3),
	// the role as leader or not (2), the actor (2).
	require.Equal(t, 24, s.Cells())
	classes := map[string][]string{}
	for _, f := range s.Fields() {
		classes[f.Name] = f.Classes
	}
	assert.Equal(t, map[string][]string{
		"violation.zero_tolerance": {"false", "true"},
		"subject.role":             {"{owner, admin}", "member"},
		"violation.severity":       {"{1, 2}", "3", "4"},
		"subject.is_actor":         {"false", "true"},
	}, classes)
	for i := range s.Exprs() {
		info := s.Expr(i)
		assert.False(t, info.Fallback, info.Name)
		assert.Empty(t, info.Residuals, "%s is decided by the partition", info.Name)
	}

	// A bystander (a member who did not post) of a zero-tolerance case: only
	// the group's closure is a candidate.
	for _, cell := range cellWhere(t, s, map[string]ref.Val{
		"violation.zero_tolerance": types.True, "subject.role": types.String("member"), "subject.is_actor": types.False,
	}) {
		assert.Equal(t, []int{0}, s.Candidates(cell), s.Describe(cell))
	}
	// The owner of a group with critical CSAM: the leader ban matches.
	cells := cellWhere(t, s, map[string]ref.Val{
		"violation.zero_tolerance": types.True, "subject.role": types.String("owner"),
		"violation.severity": types.Int(4), "subject.is_actor": types.False,
	})
	require.Len(t, cells, 1)
	assert.Equal(t, casespace.Match, s.Result(cells[0], 1).Verdict)
	assert.Equal(t, casespace.NoMatch, s.Result(cells[0], 2).Verdict)
	// The penalty expression is a decided value in every cell.
	for cell := range s.Cells() {
		r := s.Result(cell, 9)
		require.Equal(t, casespace.Decided, r.Verdict)
		assert.Contains(t, []ref.Val{types.Int(1), types.Int(3)}, r.Value)
	}

	newReference(t, env, s, exprs, vars).checkAll(t, 1, 2000)
}

func TestResiduals(t *testing.T) {
	env := newEnv(t)
	s, exprs := analyze(t, env, []struct{ name, src string }{
		{"and", `violation.severity >= severity.high && subject.id.startsWith("bot")`},
		{"or", `subject.is_actor || violation.confidence > 0.9`},
		{"not", `!(subject.is_actor && violation.id == "v1")`},
		{"cond", `violation.verified ? subject.id == "admin" : violation.reports > 2`},
		{"cross", `violation.reports > subject.prior_penalties && violation.category == category.spam`},
		{"comprehension", `subject.history.exists(h, h == "spam") && violation.zero_tolerance`},
		{"variable", `variables.leader && subject.id != ""`},
	}, casespace.Options{})

	residuals := map[string][]string{}
	for i := range s.Exprs() {
		info := s.Expr(i)
		residuals[info.Name] = info.Residuals
	}
	assert.Equal(t, map[string][]string{
		"and":           {`subject.id.startsWith("bot")`},
		"or":            {`violation.confidence > 0.9`},
		"not":           {`violation.id == "v1"`},
		"cond":          {`subject.id == "admin"`},
		"cross":         {`violation.reports > subject.prior_penalties`},
		"comprehension": {`subject.history.exists(h, h == "spam")`},
		// Without Options.Variables a variable is just an unknown name.
		"variable": {`variables.leader`, `subject.id != ""`},
	}, residuals)

	// What remains in each kind of cell.
	want := []struct {
		expr  int
		where map[string]ref.Val
		res   string
	}{
		{0, map[string]ref.Val{"violation.severity": types.Int(2)}, "no match"},
		{0, map[string]ref.Val{"violation.severity": types.Int(3)}, `residual: subject.id.startsWith("bot")`},
		{1, map[string]ref.Val{"subject.is_actor": types.True}, "match"},
		{1, map[string]ref.Val{"subject.is_actor": types.False}, `residual: violation.confidence > 0.9`},
		{2, map[string]ref.Val{"subject.is_actor": types.False}, "match"},
		{2, map[string]ref.Val{"subject.is_actor": types.True}, `residual: !(violation.id == "v1")`},
		{3, map[string]ref.Val{"violation.verified": types.True}, `residual: subject.id == "admin"`},
		{3, map[string]ref.Val{"violation.verified": types.False, "violation.reports": types.Int(3)}, "match"},
		{3, map[string]ref.Val{"violation.verified": types.False, "violation.reports": types.Int(2)}, "no match"},
		{4, map[string]ref.Val{"violation.category": types.String("fraud")}, "no match"},
		{4, map[string]ref.Val{"violation.category": types.String("spam")}, `residual: violation.reports > subject.prior_penalties`},
		{5, map[string]ref.Val{"violation.zero_tolerance": types.True}, `residual: subject.history.exists(h, h == "spam")`},
	}
	for _, w := range want {
		cells := cellWhere(t, s, w.where)
		require.NotEmpty(t, cells)
		for _, cell := range cells {
			assert.Equal(t, w.res, s.Result(cell, w.expr).String(), "%s in %s", exprs[w.expr].Name, s.Describe(cell))
		}
	}
	newReference(t, env, s, exprs, nil).checkAll(t, 2, 3000)
}

func TestOrderedFields(t *testing.T) {
	env := newEnv(t)
	s, exprs := analyze(t, env, []struct{ name, src string }{
		{"reports", `violation.reports >= 3 && violation.reports < 10 || violation.reports == 20`},
		{"members", `group.members in [50, 500] || 1000 <= group.members`},
		{"age", `subject.age < duration("720h") || subject.age >= duration("8760h")`},
		{"strikes", `subject.prior_penalties > 0`},
	}, casespace.Options{})
	classes := map[string][]string{}
	for _, f := range s.Fields() {
		classes[f.Name] = f.Classes
	}
	assert.Equal(t, map[string][]string{
		"violation.reports":       {"{<= 2, [10, 19], >= 21}", "{[3, 9], 20}"},
		"group.members":           {"{<= 49, [51, 499], [501, 999]}", "{50, 500, >= 1000}"},
		"subject.age":             {"{<= 719h59m59.999999999s, >= 8760h0m0s}", "[720h0m0s, 8759h59m59.999999999s]"},
		"subject.prior_penalties": {"0", ">= 1"},
	}, classes)
	// Boundaries land in the right class.
	reports := 0
	for i, f := range s.Fields() {
		if f.Name == "violation.reports" {
			reports = i
		}
	}
	for n, want := range map[int64]int{0: 0, 2: 0, 3: 1, 9: 1, 10: 0, 19: 0, 20: 1, 21: 0, 1 << 62: 0} {
		got, err := s.ClassOf(reports, types.Int(n))
		require.NoError(t, err)
		assert.Equal(t, want, got, "reports = %d", n)
	}
	// The pieces: the least number of each, every atom constant from one
	// to the next; none for an enum or bool field.
	assert.Equal(t, []int64{0, 3, 4, 10, 11, 20, 21}, s.Pieces(reports))
	pieces := s.Pieces(reports)
	pieces[0] = 99
	assert.Equal(t, int64(0), s.Pieces(reports)[0], "a copy")
	for i := range s.Fields() {
		if !s.Ordered(i) {
			assert.Nil(t, s.Pieces(i))
		}
	}
	_, err := s.ClassOf(reports, types.Int(-1))
	require.ErrorContains(t, err, "violation.reports: -1 is not in its domain")
	_, err = s.ClassOf(reports, types.String("3"))
	require.Error(t, err)
	newReference(t, env, s, exprs, nil).checkAll(t, 3, 3000)
}

// Comparisons an ordered field's cuts cannot decide stay residual: with
// arithmetic, with a double, with a value that is not a constant.
func TestOrderedResiduals(t *testing.T) {
	env := newEnv(t)
	s, exprs := analyze(t, env, []struct{ name, src string }{
		{"arith", `violation.reports * 2 > 7`},
		{"double", `double(violation.reports) > 2.5`},
		{"late", `violation.reports > size(subject.history)`},
	}, casespace.Options{})
	require.Empty(t, s.Fields())
	require.Equal(t, 1, s.Cells())
	for i := range s.Exprs() {
		assert.Equal(t, casespace.Residual, s.Result(0, i).Verdict)
	}
	newReference(t, env, s, exprs, nil).checkAll(t, 4, 500)
}

// An expression over an enum that errs on some of its values stays residual
// rather than being decided wrongly.
func TestErringAtom(t *testing.T) {
	env := newEnv(t)
	s, exprs := analyze(t, env, []struct{ name, src string }{
		{"div", `10 / (violation.severity - 2) > 1 || subject.is_actor`},
	}, casespace.Options{})
	assert.Equal(t, []string{"10 / (violation.severity - 2) > 1"}, s.Expr(0).Residuals)
	newReference(t, env, s, exprs, nil).checkAll(t, 5, 500)
}

// Too many cells: expressions are admitted in order while the space stays
// within the limit; the others fall back as a whole.
func TestFallback(t *testing.T) {
	env := newEnv(t)
	srcs := []struct{ name, src string }{
		{"a", `violation.severity >= severity.high && subject.is_actor`},         // 2 × 2
		{"b", `subject.role == role.owner && violation.reports >= 3`},            // × 2 × 2 = 16
		{"c", `violation.category == category.spam && violation.zero_tolerance`}, // × 4 = 64: too many
		{"d", `violation.reports >= 3 || violation.severity >= severity.high`},   // nothing new
		{"e", `subject.prior_penalties == 0`},                                    // × 2 = 32: too many
	}
	s, exprs := analyze(t, env, srcs, casespace.Options{MaxCells: 16})
	assert.Equal(t, 16, s.Cells())
	var fellBack []string
	for i := range s.Exprs() {
		if info := s.Expr(i); info.Fallback {
			fellBack = append(fellBack, info.Name)
			assert.Equal(t, []string{srcs[i].src}, info.Residuals)
			for cell := range s.Cells() {
				assert.Equal(t, casespace.Residual, s.Result(cell, i).Verdict)
			}
		}
	}
	assert.Equal(t, []string{"c", "e"}, fellBack)
	newReference(t, env, s, exprs, nil).checkAll(t, 6, 1000)
}

// The same rule twice gets the same results; analysing twice gives the
// same space.
func TestDuplicates(t *testing.T) {
	env := newEnv(t)
	srcs := []struct{ name, src string }{
		{"x", `violation.severity >= severity.medium && violation.reports >= 2`},
		{"x again", `violation.severity >= severity.medium && violation.reports >= 2`},
	}
	s1, _ := analyze(t, env, srcs, casespace.Options{})
	s2, _ := analyze(t, env, srcs, casespace.Options{})
	require.Equal(t, 4, s1.Cells())
	require.Equal(t, s1.Cells(), s2.Cells())
	for cell := range s1.Cells() {
		assert.Equal(t, s1.Result(cell, 0), s1.Result(cell, 1))
		assert.Equal(t, s1.Result(cell, 0).Verdict, s2.Result(cell, 0).Verdict)
		assert.Equal(t, s1.Describe(cell), s2.Describe(cell))
	}
}

func TestErrors(t *testing.T) {
	env := newEnv(t)
	parsed, iss := env.Parse("subject.is_actor")
	require.NoError(t, iss.Err())
	_, err := casespace.Analyze(env, domains(), []casespace.Expr{{Name: "rules[0].when", Ast: parsed}}, casespace.Options{})
	require.ErrorContains(t, err, "rules[0].when: the expression is not checked")

	bad := domains()
	bad["subject.role"] = casespace.Enum(types.String("owner"), types.String("owner"))
	_, err = casespace.Analyze(env, bad, []casespace.Expr{{Name: "r", Ast: compile(t, env, "subject.role == role.owner")}}, casespace.Options{})
	require.ErrorContains(t, err, "r: casespace: field subject.role: value owner listed twice")

	bad = domains()
	bad["violation.reports"] = casespace.Int(5, 1)
	_, err = casespace.Analyze(env, bad, []casespace.Expr{{Name: "r", Ast: compile(t, env, "violation.reports > 2")}}, casespace.Options{})
	require.ErrorContains(t, err, "min 5 above max 1")

	s, _ := analyze(t, env, defaultRules[:1], casespace.Options{})
	_, err = s.CellOf(nil)
	require.ErrorContains(t, err, "0 values for 1 fields")
	_, err = s.CellOf([]ref.Val{types.Int(1)})
	require.ErrorContains(t, err, "is not a bool")
}

// A policy of a thousand rules over the same fields stays a small space.
// manyRule is rule i of a thousand over the same fields.
func manyRule(i int) string {
	return fmt.Sprintf("violation.category in [category.spam, category.fraud] && subject.is_actor && "+
		"violation.severity >= %d && violation.reports >= %d", 1+i%4, (i/4)%8)
}

func TestManyRules(t *testing.T) {
	env := newEnv(t)
	var srcs []struct{ name, src string }
	for i := range 1000 {
		srcs = append(srcs, struct{ name, src string }{name: "r" + strings.Repeat("x", i%3), src: manyRule(i)})
	}
	s, exprs := analyze(t, env, srcs, casespace.Options{})
	// category 2 × actor 2 × severity 4 × reports 8.
	assert.Equal(t, 128, s.Cells())
	newReference(t, env, s, exprs, nil).checkAll(t, 7, 100)
}

// zeroTolerant is the default policy's zero-tolerance categories.
func zeroTolerant(v ref.Val) ref.Val {
	return types.Bool(v.Equal(types.String("csam")) == types.True || v.Equal(types.String("pii_trafficking")) == types.True)
}

// With the zero tolerance derived from the category, the default policy's
// space has no cell pairing a category with the wrong zero tolerance: the
// category's own classes take its place.
func TestDerived(t *testing.T) {
	env := newEnv(t)
	vars := variables(t, env)
	fields := domains()
	fields["violation.zero_tolerance"] = casespace.Derived("violation.category", zeroTolerant)
	rules := append(defaultRules, struct{ name, src string }{"mixed", "violation.category == category.spam || violation.zero_tolerance"})
	var exprs []casespace.Expr
	for _, r := range rules {
		exprs = append(exprs, casespace.Expr{Name: r.name, Ast: compile(t, env, r.src)})
	}
	s, err := casespace.Analyze(env, fields, exprs, casespace.Options{Variables: vars})
	require.NoError(t, err)
	classes := map[string][]string{}
	for _, f := range s.Fields() {
		classes[f.Name] = f.Classes
	}
	assert.Equal(t, map[string][]string{
		"violation.category": {"{csam, pii_trafficking}", "{fraud, gambling, adult_content, violent_extremism, harassment, disinformation, other}", "spam"},
		"subject.role":       {"{owner, admin}", "member"},
		"violation.severity": {"{1, 2}", "3", "4"},
		"subject.is_actor":   {"false", "true"},
	}, classes)
	assert.Equal(t, 36, s.Cells())
	ref := newReference(t, env, s, exprs, vars)
	ref.before = func(act map[string]any) {
		act["violation.zero_tolerance"] = zeroTolerant(types.DefaultTypeAdapter.NativeToValue(act["violation.category"]))
	}
	ref.checkAll(t, 8, 1000)

	for _, bad := range []casespace.Domain{
		casespace.Derived("violation.reports", zeroTolerant),
		casespace.Derived("violation.nothing", zeroTolerant),
		casespace.Derived("violation.category", nil),
	} {
		fields["violation.zero_tolerance"] = bad
		_, err := casespace.Analyze(env, fields, exprs, casespace.Options{Variables: vars})
		require.ErrorContains(t, err, "focus-group-close: casespace: field violation.zero_tolerance: derived from")
	}
}

// Lookups on one space from several goroutines at once (run with -race).
func TestConcurrentLookups(t *testing.T) {
	env := newEnv(t)
	s, _ := analyze(t, env, defaultRules, casespace.Options{Variables: variables(t, env)})
	want := make([]string, s.Cells())
	for cell := range s.Cells() {
		want[cell] = fmt.Sprint(s.Candidates(cell), s.Result(cell, 1))
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 50 {
				for cell := range s.Cells() {
					got, err := s.CellOf(s.Representative(cell))
					ok = ok && err == nil && got == cell && fmt.Sprint(s.Candidates(cell), s.Result(cell, 1)) == want[cell]
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		assert.True(t, <-done)
	}
}
