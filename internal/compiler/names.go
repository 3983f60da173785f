package compiler

import (
	"slices"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/groupwarden/warden/internal/names"
)

// readsOf lists the case fields and variables a checked expression refers
// to, sorted: what an explanation shows the values of.
func readsOf(ast *cel.Ast) []string {
	var out []string
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if _, ok := names.Lookup(ref.Name); ok || strings.HasPrefix(ref.Name, NSVariables+".") {
			out = append(out, ref.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
