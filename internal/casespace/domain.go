package casespace

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// Kind is the shape of a field's domain.
type Kind uint8

// The kinds of domain a field can have.
const (
	// KindEnum is a finite list of values ([Domain.Values]): every value is
	// a piece of the field, and any expression over the field alone is an
	// atom, whatever it does with the value.
	KindEnum Kind = iota + 1
	// KindBool is false and true.
	KindBool
	// KindInt is the integers from [Domain.Min] to [Domain.Max]. The field is
	// cut at the constants the expressions compare it with, and only
	// comparisons with constants (==, !=, <, <=, >, >=, in a constant list)
	// and their combinations with &&, || and ! are atoms.
	KindInt
	// KindDuration is like KindInt over durations, with Min and Max in
	// nanoseconds and the constants compared being durations.
	KindDuration
	// KindDerived is a field whose value is a function ([Domain.Derive]) of
	// another field's ([Domain.From], an enum or bool field), such as a
	// category's zero tolerance: it has no classes of its own, and an
	// expression over it is an atom over the field it derives from, so
	// that no cell pairs values that no case can hold together.
	KindDerived
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindEnum:
		return "enum"
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindDuration:
		return "duration"
	case KindDerived:
		return "derived"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Domain is what a case field can hold.
type Domain struct {
	Kind Kind
	// Values lists every value of a KindEnum field, as the CEL values an
	// expression sees. Two values must not be equal.
	Values []ref.Val
	// Min and Max bound a KindInt or KindDuration field, both included.
	Min, Max int64
	// From and Derive define a KindDerived field: the value of the field
	// named From, which Derive maps to this field's value.
	From   string
	Derive func(ref.Val) ref.Val
}

// Int is the domain of an integer field from min to max.
func Int(min, max int64) Domain { return Domain{Kind: KindInt, Min: min, Max: max} }

// Count is the domain of a count: from 0 up.
func Count() Domain { return Int(0, math.MaxInt64) }

// Bool is the domain of a boolean field.
func Bool() Domain { return Domain{Kind: KindBool} }

// Enum is the domain of a field that holds one of values.
func Enum(values ...ref.Val) Domain { return Domain{Kind: KindEnum, Values: values} }

// Derived is the domain of a field whose value is derive of the field from.
func Derived(from string, derive func(ref.Val) ref.Val) Domain {
	return Domain{Kind: KindDerived, From: from, Derive: derive}
}

// Fields tells the analysis which names an expression reads are case fields
// with a finite domain, and what the domain is. A name is the one the CEL
// checker resolved the reference to: "violation.severity" for a variable
// declared under that qualified name. Names it does not know stay residual.
type Fields interface {
	Domain(name string) (Domain, bool)
}

// FieldMap is [Fields] as a map from name to domain.
type FieldMap map[string]Domain

// Domain implements [Fields].
func (m FieldMap) Domain(name string) (Domain, bool) {
	d, ok := m[name]
	return d, ok
}

func (d Domain) check(name string) error {
	switch d.Kind {
	case KindEnum:
		if len(d.Values) == 0 {
			return fmt.Errorf("casespace: field %s: an enum domain needs values", name)
		}
		for i, v := range d.Values {
			for _, w := range d.Values[:i] {
				if v.Equal(w) == types.True {
					return fmt.Errorf("casespace: field %s: value %v listed twice", name, v)
				}
			}
		}
	case KindBool:
	case KindInt, KindDuration:
		if d.Min > d.Max {
			return fmt.Errorf("casespace: field %s: min %d above max %d", name, d.Min, d.Max)
		}
	default:
		return fmt.Errorf("casespace: field %s: unknown domain kind %d", name, d.Kind)
	}
	return nil
}

// box turns a number of an ordered domain into the CEL value.
func (d Domain) Box(n int64) ref.Val {
	if d.Kind == KindDuration {
		return types.Duration{Duration: time.Duration(n)}
	}
	return types.Int(n)
}

// unbox is the number of a CEL value of an ordered domain.
func (d Domain) unbox(v ref.Val) (int64, bool) {
	switch x := v.(type) {
	case types.Int:
		return int64(x), d.Kind == KindInt
	case types.Duration:
		return int64(x.Duration), d.Kind == KindDuration
	}
	return 0, false
}

// cuts holds the pieces of an ordered field: piece 2i+1 is the point
// points[i]; the even pieces are the open intervals between (possibly empty,
// then skipped). lo[p] is the least number of piece p.
type cuts struct {
	points []int64
	lo     []int64 // the first number of each non-empty piece, ascending
}

// cut splits [min, max] at the given points.
func cut(min, max int64, points []int64) cuts {
	ps := slices.Clone(points)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	ps = slices.DeleteFunc(ps, func(p int64) bool { return p < min || p > max })
	c := cuts{points: ps}
	next := min // the first number not yet in a piece
	for _, p := range ps {
		if next < p {
			c.lo = append(c.lo, next)
		}
		c.lo = append(c.lo, p)
		if p == max {
			return c
		}
		next = p + 1
	}
	c.lo = append(c.lo, next)
	return c
}

// piece is the index of the piece holding n, in O(log pieces).
func (c cuts) piece(n int64) int {
	i, _ := slices.BinarySearch(c.lo, n)
	if i == len(c.lo) || c.lo[i] != n {
		i--
	}
	return i
}

// describe writes pieces p to q of an ordered field for people: "3",
// "[4, 9]", ">= 10".
func (c cuts) describe(d Domain, p, q int) string {
	lo := c.lo[p]
	hi := d.Max
	if q+1 < len(c.lo) {
		hi = c.lo[q+1] - 1
	}
	return d.DescribeInterval(lo, hi)
}

// DescribeInterval writes the numbers from lo to hi of an ordered field.
func (d Domain) DescribeInterval(lo, hi int64) string {
	f := func(n int64) string { return fmt.Sprint(d.Box(n)) }
	switch {
	case lo == hi:
		return f(lo)
	case hi == d.Max:
		return ">= " + f(lo)
	case lo == d.Min:
		return "<= " + f(hi)
	}
	return "[" + f(lo) + ", " + f(hi) + "]"
}

// describeValues joins the descriptions of several pieces.
func DescribeValues(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
