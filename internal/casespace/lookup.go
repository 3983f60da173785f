package casespace

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// Cells is the number of cells of the space: the product of the number of
// classes of its fields, at most the size limit of the analysis.
func (s *Space) Cells() int { return s.cells }

// FieldInfo describes one field of a space.
type FieldInfo struct {
	Name   string
	Domain Domain
	// Classes describes each class: the values or intervals it groups, such
	// as "{owner, admin}" or "[3, 9]".
	Classes []string
}

// Fields lists the fields of the space, the finite fields some admitted
// expression compares, in the order [Space.CellOf] takes their values.
func (s *Space) Fields() []FieldInfo {
	out := make([]FieldInfo, len(s.fields))
	for i, f := range s.fields {
		fi := FieldInfo{Name: f.name, Domain: f.dom, Classes: make([]string, f.nclass())}
		parts := make([][]string, f.nclass())
		for p := 0; p < f.npieces(); p++ {
			if !f.ordered() {
				parts[f.class[p]] = append(parts[f.class[p]], fmt.Sprint(f.input(int64(p))))
				continue
			}
			// Consecutive pieces of one class make one interval.
			q := p
			for q+1 < f.npieces() && f.class[q+1] == f.class[p] {
				q++
			}
			parts[f.class[p]] = append(parts[f.class[p]], f.cuts.describe(f.dom, p, q))
			p = q
		}
		for c := range parts {
			fi.Classes[c] = DescribeValues(parts[c])
		}
		out[i] = fi
	}
	return out
}

// ExprInfo says how much of an expression the partition decides.
type ExprInfo struct {
	Name string
	// Fallback is set when the expression's atoms would have taken the space
	// above its size limit: it is residual as a whole in every cell.
	Fallback bool
	// Fields are the fields whose classes decide the expression's atoms.
	Fields []string
	// Residuals are the parts of the expression the partition cannot
	// decide, as CEL source: what is left to evaluate on the case.
	Residuals []string
}

// Exprs is the number of expressions analysed, in the order given.
func (s *Space) Exprs() int { return len(s.exprs) }

// Expr describes expression i.
func (s *Space) Expr(i int) ExprInfo {
	es := s.exprs[i]
	info := ExprInfo{Name: es.name, Fallback: es.fallback}
	for _, fi := range es.fields {
		info.Fields = append(info.Fields, s.fields[fi].name)
	}
	es.root.residuals(func(n *node) {
		info.Residuals = append(info.Residuals, unparse(n.e, n.src))
	})
	return info
}

// Result is what expression expr is in cell.
func (s *Space) Result(cell, expr int) Result {
	es := s.exprs[expr]
	local := 0
	for j, fi := range es.fields {
		local += cell / s.stride[fi] % s.fields[fi].nclass() * es.stride[j]
	}
	return es.table[local]
}

// Candidates lists the expressions whose verdict in cell is Match or
// Residual: the rules that can match a case of the cell. Cells share lists:
// do not modify it.
func (s *Space) Candidates(cell int) []int { return s.candidates[s.cellCands[cell]] }

// ClassOf is the class of field i that holds v, in O(log pieces) for an
// ordered field and O(values) for an enum.
func (s *Space) ClassOf(i int, v ref.Val) (int, error) {
	f := s.fields[i]
	var p int
	switch f.dom.Kind {
	case KindEnum:
		p = -1
		for j, w := range f.dom.Values {
			if w.Equal(v) == types.True {
				p = j
				break
			}
		}
		if p < 0 {
			return 0, fmt.Errorf("casespace: field %s: %v is not in its domain", f.name, v)
		}
	case KindBool:
		b, ok := v.(types.Bool)
		if !ok {
			return 0, fmt.Errorf("casespace: field %s: %v is not a bool", f.name, v)
		}
		if b {
			p = 1
		}
	default:
		n, ok := f.dom.unbox(v)
		if !ok || n < f.dom.Min || n > f.dom.Max {
			return 0, fmt.Errorf("casespace: field %s: %v is not in its domain", f.name, v)
		}
		p = f.cuts.piece(n)
	}
	return f.class[p], nil
}

// ClassOfKey is the class of field i that holds the value whose key is k:
// the index of an enum domain's value (for a bool, 0 false and 1 true), or
// the number an ordered field holds. It is [Space.ClassOf] without the
// boxing, for an engine that reads its fields as numbers; false when k
// lies outside the field's domain.
func (s *Space) ClassOfKey(i int, k int64) (int, bool) {
	f := s.fields[i]
	if !f.ordered() {
		if k < 0 || k >= int64(len(f.class)) {
			return 0, false
		}
		return f.class[k], true
	}
	if k < f.dom.Min || k > f.dom.Max {
		return 0, false
	}
	return f.class[f.cuts.piece(k)], true
}

// Ordered reports whether field i is ordered (a count or a duration):
// its classes are intervals, not values.
func (s *Space) Ordered(i int) bool { return s.fields[i].ordered() }

// Stride is what a class of field i adds to a cell's number: a cell is
// the sum over the fields of class × stride.
func (s *Space) Stride(i int) int { return s.stride[i] }

// CellOf is the cell of a case whose fields hold values, given in the order
// of [Space.Fields]: O(fields).
func (s *Space) CellOf(values []ref.Val) (int, error) {
	if len(values) != len(s.fields) {
		return 0, fmt.Errorf("casespace: %d values for %d fields", len(values), len(s.fields))
	}
	cell := 0
	for i, v := range values {
		c, err := s.ClassOf(i, v)
		if err != nil {
			return 0, err
		}
		cell += c * s.stride[i]
	}
	return cell, nil
}

// Representative is a case of the cell: one value of each field, in the
// order of [Space.Fields].
func (s *Space) Representative(cell int) []ref.Val {
	out := make([]ref.Val, len(s.fields))
	for i, f := range s.fields {
		c := cell / s.stride[i] % f.nclass()
		out[i] = f.input(f.key(f.first[c]))
	}
	return out
}

// Describe writes a cell for people, one class per field:
// "subject.role={owner, admin} violation.severity=high".
func (s *Space) Describe(cell int) string {
	var b strings.Builder
	fields := s.Fields()
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		c := cell / s.stride[i] % len(f.Classes)
		b.WriteString(f.Name + "=" + f.Classes[c])
	}
	return b.String()
}

// Pieces lists the least number of each piece of ordered field i,
// ascending: every atom over the field is constant from one to the next.
// Two spaces over the same field are both constant on the pieces cut at the
// union of their lists, which is how a joint partition of two spaces is
// built without analysing their expressions together. It is nil for an
// enum or bool field, whose pieces are its values.
func (s *Space) Pieces(i int) []int64 {
	f := s.fields[i]
	if !f.ordered() {
		return nil
	}
	return slices.Clone(f.cuts.lo)
}
