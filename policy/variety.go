package policy

import (
	"math"
	"slices"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"github.com/groupwarden/warden/internal/compiler"
)

// variety holds the constants the residual conditions of a cell compare
// the case with: what verification draws the values the partition does not
// decide from (ids, the confidence of an identification), so that the
// cases it generates for the cell take each residual's branches, not only
// the values a random draw happens to give. A residual `subject.id
// .startsWith("vip-")` is true for no id a random draw makes.
type variety struct {
	strs []string
	nums []float64
}

// maxVariety bounds the constants kept of one cell's residuals, so that a
// residual with very many literals does not multiply the cases without end.
const maxVariety = 16

// harvest collects the distinct string and double literals of residual
// expressions, in the order met, at most maxVariety of each.
func harvest(residuals ...*ast.AST) variety {
	var v variety
	for _, r := range residuals {
		if r == nil {
			continue
		}
		ast.PostOrderVisit(r.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
			if e.Kind() != ast.LiteralKind {
				return
			}
			switch x := e.AsLiteral().(type) {
			case types.String:
				if s := string(x); len(v.strs) < maxVariety && !slices.Contains(v.strs, s) {
					v.strs = append(v.strs, s)
				}
			case types.Double:
				if f := float64(x); len(v.nums) < maxVariety && !slices.Contains(v.nums, f) {
					v.nums = append(v.nums, f)
				}
			}
		}))
	}
	return v
}

// ids are ids on both sides of every string constant: the constant itself,
// with a byte after it and before it (for prefixes, suffixes and
// substrings), and cut short by one byte. Each is a valid id, at most
// MaxIDLen bytes and not empty; none repeats.
func (v variety) ids() []string {
	var out []string
	add := func(s string) {
		if s != "" && len(s) <= compiler.MaxIDLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range v.strs {
		add(s)
		add(s + "x")
		add("x" + s)
		if s != "" {
			add(s[:len(s)-1])
		}
	}
	return out
}

// confidences are the confidences at and on both sides of every double
// constant between 0 and 1: a comparison with the constant takes each of
// its branches on one of them.
func (v variety) confidences() []float64 {
	var out []float64
	add := func(f float64) {
		if f >= 0 && f <= 1 && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for _, c := range v.nums {
		add(c)
		add(math.Nextafter(c, math.Inf(-1)))
		add(math.Nextafter(c, math.Inf(1)))
	}
	return out
}
