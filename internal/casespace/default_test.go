package casespace_test

import (
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/policy"
)

// shippedPolicy is the default policy as shipped, read from its YAML, with
// its CEL compiled in an environment of warden's own opaque enum types
// (ordered severities, categories as catalogue indexes).
type shippedPolicy struct {
	env        *cel.Env
	fields     casespace.FieldMap
	exprs      []casespace.Expr
	vars       map[string]*cel.Ast
	zeroTolers []bool // by category index
}

func loadShipped(tb testing.TB) *shippedPolicy {
	tb.Helper()
	var spec struct {
		Categories []struct {
			Name          string
			ZeroTolerance bool `yaml:"zero_tolerance"`
		}
		Variables []struct{ Name, Expression string }
		Rules     []struct{ ID, When, Penalty string }
	}
	require.NoError(tb, yaml.Unmarshal(policy.DefaultSource(), &spec))
	opts := []cel.EnvOption{
		celx.Ordering(),
		cel.Variable("violation.category", celx.CategoryType),
		cel.Variable("violation.severity", celx.SeverityType),
		cel.Variable("violation.zero_tolerance", cel.BoolType),
		cel.Variable("subject.role", celx.RoleType),
		cel.Variable("subject.is_actor", cel.BoolType),
	}
	sp := &shippedPolicy{vars: map[string]*cel.Ast{}}
	var cats, sevs, roles []ref.Val
	for i, c := range spec.Categories {
		opts = append(opts, cel.Constant("category."+c.Name, celx.CategoryType, celx.Category(i)))
		cats = append(cats, celx.Category(i))
		sp.zeroTolers = append(sp.zeroTolers, c.ZeroTolerance)
	}
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		opts = append(opts, cel.Constant("severity."+s.String(), celx.SeverityType, celx.Severity(s)))
		sevs = append(sevs, celx.Severity(s))
	}
	for p := policy.PenaltyNone; p <= policy.PenaltyClose; p++ {
		opts = append(opts, cel.Constant("penalty."+p.String(), celx.PenaltyType, celx.Penalty(p)))
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		opts = append(opts, cel.Constant("role."+r.String(), celx.RoleType, celx.Role(r)))
		roles = append(roles, celx.Role(r))
	}
	for _, v := range spec.Variables {
		opts = append(opts, cel.Variable("variables."+v.Name, cel.BoolType))
	}
	var err error
	sp.env, err = cel.NewEnv(opts...)
	require.NoError(tb, err)
	for _, v := range spec.Variables {
		sp.vars["variables."+v.Name] = compile(tb, sp.env, v.Expression)
	}
	for _, r := range spec.Rules {
		sp.exprs = append(sp.exprs, casespace.Expr{Name: r.ID + ".when", Ast: compile(tb, sp.env, r.When)})
		if _, err := policy.ParsePenalty(r.Penalty); err != nil && r.Penalty != "" {
			sp.exprs = append(sp.exprs, casespace.Expr{Name: r.ID + ".penalty", Ast: compile(tb, sp.env, r.Penalty)})
		}
	}
	sp.fields = casespace.FieldMap{
		"violation.category": casespace.Enum(cats...),
		"violation.severity": casespace.Enum(sevs...),
		"violation.zero_tolerance": casespace.Derived("violation.category", func(v ref.Val) ref.Val {
			return types.Bool(sp.zeroTolers[v.(celx.Category)])
		}),
		"subject.role":     casespace.Enum(roles...),
		"subject.is_actor": casespace.Bool(),
	}
	return sp
}

// The shipped default policy: every condition (and penalty expression, if
// it has one) is decided by a partition of 24 cells, with no residual, and
// each cell's results agree with evaluating the rules on every case there
// is.
func TestShippedDefaultPolicy(t *testing.T) {
	sp := loadShipped(t)
	s, err := casespace.Analyze(sp.env, sp.fields, sp.exprs, casespace.Options{Variables: sp.vars})
	require.NoError(t, err)
	require.NotEmpty(t, sp.exprs)
	assert.Equal(t, 24, s.Cells())
	for i := range s.Exprs() {
		info := s.Expr(i)
		assert.False(t, info.Fallback, info.Name)
		assert.Empty(t, info.Residuals, info.Name)
	}
	ref := newReference(t, sp.env, s, sp.exprs, sp.vars)
	ref.before = func(act map[string]any) {
		act["violation.zero_tolerance"] = types.Bool(sp.zeroTolers[act["violation.category"].(celx.Category)])
	}
	// The domain is small enough to decide every case there is: 10
	// categories × 4 severities × 3 roles × 2.
	n := 0
	for c := range len(sp.zeroTolers) {
		for sev := policy.SeverityLow; sev <= policy.SeverityCritical; sev++ {
			for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
				for _, actor := range []bool{false, true} {
					ref.check(t, map[string]any{
						"violation.category": celx.Category(c), "violation.severity": celx.Severity(sev),
						"subject.role": celx.Role(r), "subject.is_actor": types.Bool(actor),
					})
					n++
				}
			}
		}
	}
	assert.Equal(t, 240, n)
}

// BenchmarkAnalyzeDefault is the compile time of the default policy's
// partition (its CEL already checked).
func BenchmarkAnalyzeDefault(b *testing.B) {
	sp := loadShipped(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := casespace.Analyze(sp.env, sp.fields, sp.exprs, casespace.Options{Variables: sp.vars}); err != nil {
			b.Fatal(err)
		}
	}
}
