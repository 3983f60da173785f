package compiler

import (
	"slices"
	"strings"

	"github.com/groupwarden/warden/internal/names"
)

// readsOf lists the case fields and variables an expression refers to,
// sorted: what an explanation shows the values of.
func readsOf(refs []string) []string {
	var out []string
	for _, n := range refs {
		if _, ok := names.Lookup(n); ok || strings.HasPrefix(n, NSVariables+".") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
