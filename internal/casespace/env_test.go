package casespace_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// The test environment is shaped like warden's: a case seen through
// qualified variables, enums as constants (severities as ordered ints,
// categories and roles as strings), two policy variables.
var (
	categories = []string{"csam", "pii_trafficking", "fraud", "gambling", "adult_content",
		"violent_extremism", "harassment", "spam", "disinformation", "other"}
	severities = []string{"low", "medium", "high", "critical"}
	roles      = []string{"owner", "admin", "member"}
	penalties  = []string{"none", "warn", "restrict", "suspend", "ban", "close"}
)

const year = 365 * 24 * time.Hour

// domains declares the finite fields.
func domains() casespace.FieldMap {
	var cats, sevs, rs []ref.Val
	for _, c := range categories {
		cats = append(cats, types.String(c))
	}
	for i := range severities {
		sevs = append(sevs, types.Int(i+1))
	}
	for _, r := range roles {
		rs = append(rs, types.String(r))
	}
	return casespace.FieldMap{
		"violation.category":       casespace.Enum(cats...),
		"violation.severity":       casespace.Enum(sevs...),
		"violation.zero_tolerance": casespace.Bool(),
		"violation.verified":       casespace.Bool(),
		"violation.automated":      casespace.Bool(),
		"violation.trusted_report": casespace.Bool(),
		"violation.reports":        casespace.Count(),
		"subject.role":             casespace.Enum(rs...),
		"subject.is_actor":         casespace.Bool(),
		"subject.prior_penalties":  casespace.Count(),
		"group.members":            casespace.Int(1, 200_000),
		"subject.age":              {Kind: casespace.KindDuration, Min: 0, Max: int64(50 * year)},
	}
}

// residualVars are the names the partition does not decide.
var residualVars = map[string]*cel.Type{
	"subject.id":           cel.StringType,
	"violation.id":         cel.StringType,
	"violation.confidence": cel.DoubleType,
	"subject.history":      cel.ListType(cel.StringType),
}

func newEnv(tb testing.TB) *cel.Env {
	tb.Helper()
	opts := []cel.EnvOption{cel.EnableMacroCallTracking()}
	for name, d := range domains() {
		var t *cel.Type
		switch d.Kind {
		case casespace.KindBool:
			t = cel.BoolType
		case casespace.KindInt:
			t = cel.IntType
		case casespace.KindDuration:
			t = cel.DurationType
		default:
			t = cel.StringType
			if name == "violation.severity" {
				t = cel.IntType
			}
		}
		opts = append(opts, cel.Variable(name, t))
	}
	for name, t := range residualVars {
		opts = append(opts, cel.Variable(name, t))
	}
	opts = append(opts, cel.Variable("variables.leader", cel.BoolType), cel.Variable("variables.serious", cel.BoolType))
	for _, c := range categories {
		opts = append(opts, cel.Constant("category."+c, cel.StringType, types.String(c)))
	}
	for i, s := range severities {
		opts = append(opts, cel.Constant("severity."+s, cel.IntType, types.Int(i+1)))
	}
	for _, r := range roles {
		opts = append(opts, cel.Constant("role."+r, cel.StringType, types.String(r)))
	}
	for i, p := range penalties {
		opts = append(opts, cel.Constant("penalty."+p, cel.IntType, types.Int(i)))
	}
	env, err := cel.NewEnv(opts...)
	require.NoError(tb, err)
	return env
}

func compile(tb testing.TB, env *cel.Env, src string) *cel.Ast {
	tb.Helper()
	a, iss := env.Compile(src)
	require.NoError(tb, iss.Err(), src)
	return a
}

// The default policy's variables.
var policyVariables = map[string]string{
	"variables.leader":  "subject.role == role.owner || subject.role == role.admin",
	"variables.serious": "violation.severity >= severity.high",
}

func variables(tb testing.TB, env *cel.Env) map[string]*cel.Ast {
	out := map[string]*cel.Ast{}
	for name, src := range policyVariables {
		out[name] = compile(tb, env, src)
	}
	return out
}

// randomCase draws a value for every name of the environment, finite or
// not, favouring the values near the constants the tests use.
func randomCase(r *rand.Rand) map[string]any {
	count := func() int64 {
		switch r.IntN(4) {
		case 0:
			return math.MaxInt64
		case 1:
			return r.Int64N(1 << 40)
		}
		return r.Int64N(25)
	}
	act := map[string]any{
		"violation.category":       categories[r.IntN(len(categories))],
		"violation.severity":       int64(1 + r.IntN(len(severities))),
		"violation.zero_tolerance": r.IntN(2) == 0,
		"violation.verified":       r.IntN(2) == 0,
		"violation.automated":      r.IntN(2) == 0,
		"violation.trusted_report": r.IntN(2) == 0,
		"violation.reports":        count(),
		"subject.role":             roles[r.IntN(len(roles))],
		"subject.is_actor":         r.IntN(2) == 0,
		"subject.prior_penalties":  count(),
		"group.members":            1 + r.Int64N(200_000),
		"subject.age":              time.Duration(r.Int64N(int64(50 * year))),
		"subject.id":               []string{"bot-1", "u2", "bot-3", "admin"}[r.IntN(4)],
		"violation.id":             fmt.Sprint("v", r.IntN(100)),
		"violation.confidence":     r.Float64(),
		"subject.history":          []string{"spam", "fraud", "csam"}[:r.IntN(4)],
	}
	if r.IntN(5) == 0 {
		act["group.members"] = []int64{1, 200_000, 50, 51, 49, 500}[r.IntN(6)]
	}
	if r.IntN(5) == 0 {
		act["subject.age"] = []time.Duration{0, 50 * year, 30 * 24 * time.Hour, 720 * time.Hour, 719 * time.Hour}[r.IntN(5)]
	}
	return act
}
