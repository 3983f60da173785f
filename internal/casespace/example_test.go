package casespace_test

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/casespace"
)

// Two rules over a role, a flag and a count, one of them with a part the
// partition cannot decide.
func ExampleAnalyze() {
	env, _ := cel.NewEnv(
		cel.Variable("subject.role", cel.StringType),
		cel.Variable("subject.is_actor", cel.BoolType),
		cel.Variable("violation.reports", cel.IntType),
		cel.Variable("subject.id", cel.StringType),
	)
	fields := casespace.FieldMap{
		"subject.role":      casespace.Enum(types.String("owner"), types.String("admin"), types.String("member")),
		"subject.is_actor":  casespace.Bool(),
		"violation.reports": casespace.Count(),
	}
	var exprs []casespace.Expr
	for i, src := range []string{
		`subject.is_actor && violation.reports >= 3`,
		`subject.role in ["owner", "admin"] && subject.id != "system"`,
	} {
		a, iss := env.Compile(src)
		if iss.Err() != nil {
			panic(iss.Err())
		}
		exprs = append(exprs, casespace.Expr{Name: fmt.Sprintf("rules[%d]", i), Ast: a})
	}
	s, err := casespace.Analyze(env, fields, exprs, casespace.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Cells(), "cells")
	for cell := range s.Cells() {
		fmt.Printf("%s: %v | %v\n", s.Describe(cell), s.Result(cell, 0), s.Result(cell, 1))
	}
	// Output:
	// 8 cells
	// subject.is_actor=false violation.reports=<= 2 subject.role={owner, admin}: no match | residual: subject.id != "system"
	// subject.is_actor=true violation.reports=<= 2 subject.role={owner, admin}: no match | residual: subject.id != "system"
	// subject.is_actor=false violation.reports=>= 3 subject.role={owner, admin}: no match | residual: subject.id != "system"
	// subject.is_actor=true violation.reports=>= 3 subject.role={owner, admin}: match | residual: subject.id != "system"
	// subject.is_actor=false violation.reports=<= 2 subject.role=member: no match | no match
	// subject.is_actor=true violation.reports=<= 2 subject.role=member: no match | no match
	// subject.is_actor=false violation.reports=>= 3 subject.role=member: no match | no match
	// subject.is_actor=true violation.reports=>= 3 subject.role=member: match | no match
}
