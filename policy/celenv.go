package policy

import (
	"iter"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/containers"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	celparser "cel.dev/cel-go/parser"

	"github.com/groupwarden/warden/internal/celx"
)

// What rule expressions see. Every name here is documented in the policy
// package doc; the activation in activation.go resolves each of them.
var caseVariables = []struct {
	name string
	t    *types.Type
}{
	{"violation", celx.ViolationType},
	{"violation.id", types.StringType},
	{"violation.category", celx.CategoryType},
	{"violation.severity", celx.SeverityType},
	{"violation.verified", types.BoolType},
	{"violation.automated", types.BoolType},
	{"violation.confidence", types.DoubleType},
	{"violation.reports", types.IntType},
	{"violation.trusted_report", types.BoolType},
	{"violation.zero_tolerance", types.BoolType},
	{"subject.id", types.StringType},
	{"subject.role", celx.RoleType},
	{"subject.is_actor", types.BoolType},
	{"subject.real_name", types.BoolType},
	{"subject.business", types.BoolType},
	{"subject.age", types.DurationType},
	{"subject.prior_penalties", types.IntType},
	{"group.id", types.StringType},
	{"group.members", types.IntType},
	{"group.admins", types.IntType},
	{"group.age", types.DurationType},
	{"now", types.TimestampType},
}

// maxIDLen bounds the identifiers a case may carry, so that the estimated
// cost of string functions over them is finite and sound.
const maxIDLen = 256

// maxHistory bounds the records of a history, for the same reason.
const maxHistory = 1000

// The namespaces of constants and variables, checked name by name before
// type-checking so that a typo gets its own error code.
const (
	nsCategory  = "category"
	nsPenalty   = "penalty"
	nsSeverity  = "severity"
	nsRole      = "role"
	nsVariables = "variables"
)

// newBaseEnv builds the CEL environment shared by every expression of a
// policy: case variables, constants, functions and the category catalogue.
func newBaseEnv(cats []categorySpec) (*cel.Env, error) {
	opts := []cel.EnvOption{
		celx.Ordering(),
		cel.Function("verified",
			cel.Overload("verified_violation", []*types.Type{celx.ViolationType}, types.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					vv, ok := v.(violationVal)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(vv.s.verified)
				}))),
		cel.Function("strikes",
			cel.Overload("strikes_duration", []*types.Type{types.DurationType}, types.IntType, cel.LateFunctionBinding())),
	}
	for _, v := range caseVariables {
		opts = append(opts, cel.Variable(v.name, v.t))
	}
	for s := SeverityLow; s <= SeverityCritical; s++ {
		opts = append(opts, cel.Constant(nsSeverity+"."+s.String(), celx.SeverityType, celx.Severity(s)))
	}
	for p := PenaltyNone; p <= PenaltyClose; p++ {
		opts = append(opts, cel.Constant(nsPenalty+"."+p.String(), celx.PenaltyType, celx.Penalty(p)))
	}
	for r := RoleOwner; r <= RoleMember; r++ {
		opts = append(opts, cel.Constant(nsRole+"."+r.String(), celx.RoleType, celx.Role(r)))
	}
	declared := map[string]bool{}
	for i, c := range cats {
		// A category without a name or declared twice is reported by the
		// compiler; declaring it again would make the environment invalid.
		if c.Name == "" || declared[c.Name] {
			continue
		}
		declared[c.Name] = true
		opts = append(opts, cel.Constant(nsCategory+"."+c.Name, celx.CategoryType, celx.Category(i)))
	}
	return cel.NewEnv(opts...)
}

// qualifiedRefs calls f with every reference ns.name in a parsed expression
// whose namespace is one of the checked ones, with the id of the namespace
// identifier, where the reference starts.
func qualifiedRefs(e ast.Expr, f func(id int64, ns, name string)) {
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.SelectKind || e.AsSelect().Operand().Kind() != ast.IdentKind {
			return
		}
		switch ns := e.AsSelect().Operand().AsIdent(); ns {
		case nsCategory, nsPenalty, nsSeverity, nsRole, nsVariables:
			f(e.AsSelect().Operand().ID(), ns, e.AsSelect().FieldName())
		}
	}))
}

// estimator gives the cost estimator the bounds that case validation enforces.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	var s cost.SizeEstimate
	switch t := n.Type(); {
	case t == nil:
		return nil
	case t.IsExactType(types.StringType) && len(n.Path()) > 0:
		s = cost.SizeEstimate{Min: 0, Max: maxIDLen}
	case strings.HasPrefix(t.TypeName(), "warden."):
		s = cost.FixedSizeEstimate(1)
	default:
		return nil
	}
	return &s
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	switch overloadID {
	case "strikes_duration", "verified_violation":
		// Both read a list that case validation bounds: the history, the reviews.
		return cost.NewCallEstimate(cost.RangedCostEstimate(1, maxHistory), nil)
	}
	return nil
}

// categoryRequirement returns the indexes of the categories a parsed `when`
// condition can match, or nil when it can match any. It reads the top-level
// conjuncts for `violation.category == category.x`, `violation.category in
// [...]`, `violation.zero_tolerance`, its negation, and variables built only
// of those. A requirement it misses costs time, never correctness: the
// conjuncts it does not read stay in the rule's residual condition.
func categoryRequirement(e ast.Expr, cats []categorySpec, vars map[string][]bool) []bool {
	var req []bool
	for c := range conjuncts(e) {
		set := conjunctCategories(c, cats, vars)
		switch {
		case set == nil:
		case req == nil:
			req = append([]bool(nil), set...)
		default:
			for i := range req {
				req[i] = req[i] && set[i]
			}
		}
	}
	return req
}

// conjuncts yields the top-level conjuncts of a condition: its operands of
// && however nested, or the condition itself.
func conjuncts(e ast.Expr) iter.Seq[ast.Expr] {
	return func(yield func(ast.Expr) bool) {
		var walk func(e ast.Expr) bool
		walk = func(e ast.Expr) bool {
			if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "_&&_" {
				for _, a := range e.AsCall().Args() {
					if !walk(a) {
						return false
					}
				}
				return true
			}
			return yield(e)
		}
		walk(e)
	}
}

func conjunctCategories(e ast.Expr, cats []categorySpec, vars map[string][]bool) []bool {
	name := func(e ast.Expr) string { n, _ := containers.ToQualifiedName(e); return n }
	set := make([]bool, len(cats))
	zeroTolerance := func(want bool) []bool {
		for i, c := range cats {
			set[i] = c.ZeroTolerance == want
		}
		return set
	}
	catIndex := func(e ast.Expr) bool {
		n := name(e)
		for i, c := range cats {
			if n == nsCategory+"."+c.Name {
				set[i] = true
				return true
			}
		}
		return false
	}
	switch e.Kind() {
	case ast.IdentKind, ast.SelectKind:
		n := name(e)
		if n == "violation.zero_tolerance" {
			return zeroTolerance(true)
		}
		if v, ok := vars[n]; ok {
			return v
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "!_":
			if name(args[0]) == "violation.zero_tolerance" {
				return zeroTolerance(false)
			}
		case "_==_":
			if name(args[0]) == "violation.category" && catIndex(args[1]) ||
				name(args[1]) == "violation.category" && catIndex(args[0]) {
				return set
			}
		case "@in":
			if name(args[0]) != "violation.category" || args[1].Kind() != ast.ListKind {
				return nil
			}
			for _, el := range args[1].AsList().Elements() {
				if !catIndex(el) {
					return nil
				}
			}
			return set
		}
	}
	return nil
}

// subjectRequirement reads the top-level conjuncts of a parsed `when`
// condition for what it asks of the subject: `subject.is_actor`, and a role
// (`subject.role == role.x`, `subject.role in [...]`, a disjunction of
// those, or a variable built only of them). A rule whose requirement the
// subject misses cannot match and is skipped without evaluation.
func subjectRequirement(e ast.Expr, vars map[string]roleSet) (actor bool, roles roleSet) {
	for c := range conjuncts(e) {
		if n, _ := containers.ToQualifiedName(c); n == "subject.is_actor" {
			actor = true
			continue
		}
		switch set := roleCondition(c, vars); {
		case set == nil:
		case roles == nil:
			roles = set
		default:
			roles = roles.and(set)
		}
	}
	return actor, roles
}

// roleSet marks the roles a condition admits, indexed by Role.
type roleSet []bool

func (s roleSet) and(o roleSet) roleSet {
	out := make(roleSet, len(s))
	for i := range s {
		out[i] = s[i] && o[i]
	}
	return out
}

// roleCondition returns the roles for which e can be true, or nil when e
// is not a condition on the subject's role alone.
func roleCondition(e ast.Expr, vars map[string]roleSet) roleSet {
	name := func(e ast.Expr) string { n, _ := containers.ToQualifiedName(e); return n }
	roleOf := func(e ast.Expr) Role {
		r, err := ParseRole(strings.TrimPrefix(name(e), nsRole+"."))
		if err != nil || !strings.HasPrefix(name(e), nsRole+".") {
			return 0
		}
		return r
	}
	set := make(roleSet, RoleMember+1)
	switch e.Kind() {
	case ast.IdentKind, ast.SelectKind:
		if v, ok := vars[name(e)]; ok {
			return v
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "_||_":
			l, r := roleCondition(args[0], vars), roleCondition(args[1], vars)
			if l == nil || r == nil {
				return nil
			}
			for i := range set {
				set[i] = l[i] || r[i]
			}
			return set
		case "_==_":
			for _, pair := range [][2]ast.Expr{{args[0], args[1]}, {args[1], args[0]}} {
				if name(pair[0]) == "subject.role" {
					if r := roleOf(pair[1]); r != 0 {
						set[r] = true
						return set
					}
				}
			}
		case "@in":
			if name(args[0]) != "subject.role" || args[1].Kind() != ast.ListKind {
				return nil
			}
			for _, el := range args[1].AsList().Elements() {
				r := roleOf(el)
				if r == 0 {
					return nil
				}
				set[r] = true
			}
			return set
		}
	}
	return nil
}

// residual returns the conjuncts of a `when` condition that the rule's
// indexes do not already decide, unparsed, or none when the index decides
// them all. A conjunct is decided when it is exactly a category condition
// (violation.category ==, in, violation.zero_tolerance and its negation), a
// role condition, or subject.is_actor: for every candidate the index lets
// through, such a conjunct is true. Variables whose category requirement is
// only necessary are kept.
func residual(parsed *ast.AST, cats []categorySpec, roles map[string]roleSet) ([]string, error) {
	var keep []string
	for c := range conjuncts(parsed.Expr()) {
		if n, _ := containers.ToQualifiedName(c); n == "subject.is_actor" ||
			roleCondition(c, roles) != nil || conjunctCategories(c, cats, nil) != nil {
			continue
		}
		s, err := celparser.Unparse(c, parsed.SourceInfo())
		if err != nil {
			return nil, err
		}
		keep = append(keep, "("+s+")")
	}
	return keep, nil
}
