package compiler

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/lang"
	"github.com/groupwarden/warden/internal/names"
	"github.com/groupwarden/warden/internal/vocab"
)

// MaxIDLen bounds the identifiers a case may carry, so that the estimated
// cost of string functions over them is finite and sound.
const MaxIDLen = 256

// MaxHistory bounds the records of a history, for the same reason.
const MaxHistory = 1000

// The namespaces of constants and variables, checked name by name before
// type-checking so that a typo gets its own error code.
const (
	NSCategory  = "category"
	NSPenalty   = "penalty"
	NSSeverity  = "severity"
	NSRole      = "role"
	NSVariables = "variables"
)

// newBaseEnv builds the CEL environment shared by every expression of a
// policy: case variables, constants, functions and the category catalogue.
func newBaseEnv(cats []lang.CategorySpec) (*cel.Env, error) {
	opts := []cel.EnvOption{
		// Residuals and explanations write expressions back as CEL; a
		// comprehension (exists, all, map …) is written back only from
		// its macro call.
		cel.EnableMacroCallTracking(),
		celx.Ordering(),
		cel.Function("verified",
			cel.Overload("verified_violation", []*types.Type{celx.ViolationType}, types.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					vv, ok := v.(interface{ Verified() bool })
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(vv.Verified())
				}))),
		cel.Function("strikes",
			cel.Overload("strikes_duration", []*types.Type{types.DurationType}, types.IntType, cel.LateFunctionBinding())),
	}
	for _, v := range names.All() {
		opts = append(opts, cel.Variable(v.Name, v.Type))
	}
	for s := vocab.SeverityLow; s <= vocab.SeverityCritical; s++ {
		opts = append(opts, cel.Constant(NSSeverity+"."+s.String(), celx.SeverityType, celx.Severity(s)))
	}
	for p := vocab.PenaltyNone; p <= vocab.PenaltyClose; p++ {
		opts = append(opts, cel.Constant(NSPenalty+"."+p.String(), celx.PenaltyType, celx.Penalty(p)))
	}
	for r := vocab.RoleOwner; r <= vocab.RoleMember; r++ {
		opts = append(opts, cel.Constant(NSRole+"."+r.String(), celx.RoleType, celx.Role(r)))
	}
	declared := map[string]bool{}
	for i, c := range cats {
		// A category without a name or declared twice is reported by the
		// compiler; declaring it again would make the environment invalid.
		if c.Name == "" || declared[c.Name] {
			continue
		}
		declared[c.Name] = true
		opts = append(opts, cel.Constant(NSCategory+"."+c.Name, celx.CategoryType, celx.Category(i)))
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
		case NSCategory, NSPenalty, NSSeverity, NSRole, NSVariables:
			f(e.AsSelect().Operand().ID(), ns, e.AsSelect().FieldName())
		}
	}))
}
