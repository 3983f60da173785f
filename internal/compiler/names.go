package compiler

import (
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/celx"
)

// Names are the names of the case that rule expressions see, with their
// CEL types. Every name here is documented in the policy package doc; the
// activation of package policy resolves each of them.
var Names = []struct {
	Name string
	Type *types.Type
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

// readsOf lists the case fields and variables an expression refers to, sorted.
func readsOf(names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, NSVariables+".") || slices.ContainsFunc(Names, func(v struct {
			Name string
			Type *types.Type
		}) bool {
			return v.Name == n
		}) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
