package casespace_test

import (
	"testing"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/casespace"
)

// BenchmarkLookup finds the cell of a case and reads its candidates, on the
// default policy's space and on the space of a thousand rules: the part of
// a decision by lookup that replaces evaluating conditions.
func BenchmarkLookup(b *testing.B) {
	env := newEnv(b)
	spaces := map[string]*casespace.Space{}
	var exprs []casespace.Expr
	for _, r := range defaultRules {
		exprs = append(exprs, casespace.Expr{Name: r.name, Ast: compile(b, env, r.src)})
	}
	var err error
	spaces["default"], err = casespace.Analyze(env, domains(), exprs, casespace.Options{Variables: variables(b, env)})
	if err != nil {
		b.Fatal(err)
	}
	exprs = nil
	for i := range 1000 {
		exprs = append(exprs, casespace.Expr{Name: "r", Ast: compile(b, env, manyRule(i))})
	}
	spaces["1000-rules"], err = casespace.Analyze(env, domains(), exprs, casespace.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"default", "1000-rules"} {
		s := spaces[name]
		values := make([]ref.Val, len(s.Fields()))
		for i, f := range s.Fields() {
			switch f.Name {
			case "violation.severity":
				values[i] = types.Int(2)
			case "violation.reports":
				values[i] = types.Int(2)
			case "violation.category":
				values[i] = types.String("spam")
			case "subject.role":
				values[i] = types.String("member")
			default:
				values[i] = types.True
			}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				cell, err := s.CellOf(values)
				if err != nil {
					b.Fatal(err)
				}
				n += len(s.Candidates(cell))
			}
			if n == 0 {
				b.Fatal("no candidates")
			}
		})
		// The same by index, as an engine that knows its enums' indexes
		// would: no CEL value compared.
		idx := make([]int, len(values))
		for i, f := range s.Fields() {
			for j, v := range f.Domain.Values {
				if v.Equal(values[i]) == types.True {
					idx[i] = j
				}
			}
			if f.Domain.Kind == casespace.KindBool {
				idx[i] = 1
			}
		}
		want, _ := s.CellOf(values)
		ordered := make([]bool, len(values))
		for i, f := range s.Fields() {
			ordered[i] = f.Domain.Kind == casespace.KindInt
		}
		b.Run(name+"/by-index", func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				cell := 0
				for i, v := range idx {
					if ordered[i] {
						c, _ := s.ClassOf(i, values[i])
						cell += c * s.Stride(i)
						continue
					}
					c, _ := s.ClassOfKey(i, int64(v))
					cell += c * s.Stride(i)
				}
				if cell != want {
					b.Fatalf("cell %d, want %d", cell, want)
				}
				n += len(s.Candidates(cell))
			}
			if n == 0 {
				b.Fatal("no candidates")
			}
		})
	}
}
