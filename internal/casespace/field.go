package casespace

import (
	"slices"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// field is the partition of one finite field as the analysis builds it.
// Its pieces are the values of an enum or bool field, or the intervals of
// an ordered field between the constants its atoms compare it with; its
// classes group the pieces on which every atom over the field has the same
// value. The cells of the space are the combinations of classes.
type field struct {
	name  string
	dom   Domain
	idx   int // its index in Space.fields, once admitted
	atoms []*atom
	cuts  cuts // an ordered field's pieces
	class []int
	first []int // the first piece of each class
}

func (f *field) ordered() bool { return f.dom.Kind == KindInt || f.dom.Kind == KindDuration }

// npieces is the number of pieces of the field.
func (f *field) npieces() int {
	switch f.dom.Kind {
	case KindEnum:
		return len(f.dom.Values)
	case KindBool:
		return 2
	}
	return len(f.cuts.lo)
}

// key is what identifies piece p whatever the later cuts: the index of an
// enum or bool value, the least number of an ordered piece.
func (f *field) key(p int) int64 {
	if f.ordered() {
		return f.cuts.lo[p]
	}
	return int64(p)
}

// keys are the keys of the pieces the field would have if cut at points
// alone.
func (f *field) keys(points []int64) []int64 {
	if !f.ordered() {
		ks := make([]int64, f.npieces())
		for i := range ks {
			ks[i] = int64(i)
		}
		return ks
	}
	return cut(f.dom.Min, f.dom.Max, points).lo
}

// input is the CEL value of the piece with that key: any value of the
// piece, since every atom is constant on it.
func (f *field) input(key int64) ref.Val {
	switch f.dom.Kind {
	case KindEnum:
		return f.dom.Values[key]
	case KindBool:
		return types.Bool(key == 1)
	}
	return f.dom.Box(key)
}

// add admits an atom, refining the classes; with new constants an ordered
// field is cut again and its classes rebuilt from all its atoms.
func (f *field) add(a *atom) error {
	f.atoms = append(slices.Clip(f.atoms), a)
	if f.class == nil {
		return f.rebuild()
	}
	if f.ordered() {
		for _, p := range a.points {
			if _, found := slices.BinarySearch(f.cuts.points, p); !found && p >= f.dom.Min && p <= f.dom.Max {
				f.recut(a.points)
				break
			}
		}
	}
	return f.refine(a)
}

// recut adds cut points to an ordered field. The atoms admitted before are
// constant on each old piece, so each new piece keeps the class of the old
// piece it lies in: only the new atom refines them.
func (f *field) recut(points []int64) {
	old, oldClass := f.cuts, f.class
	f.cuts = cut(f.dom.Min, f.dom.Max, append(slices.Clone(old.points), points...))
	f.class = make([]int, len(f.cuts.lo))
	f.first = make([]int, len(f.first))
	seen := make([]bool, len(f.first))
	for p, lo := range f.cuts.lo {
		c := oldClass[old.piece(lo)]
		f.class[p] = c
		if !seen[c] {
			seen[c], f.first[c] = true, p
		}
	}
}

// rebuild cuts the field at the constants of all its atoms and computes its
// classes from scratch.
func (f *field) rebuild() error {
	if f.ordered() {
		var pts []int64
		for _, a := range f.atoms {
			pts = append(pts, a.points...)
		}
		f.cuts = cut(f.dom.Min, f.dom.Max, pts)
	}
	f.class = make([]int, f.npieces())
	f.first = []int{0}
	for _, a := range f.atoms {
		if err := f.refine(a); err != nil {
			return err
		}
	}
	return nil
}

// refine splits every class on the values of one atom.
func (f *field) refine(a *atom) error {
	type pair struct{ class, value int }
	ids := map[pair]int{}
	class := make([]int, len(f.class))
	var first []int
	for p := range class {
		v, err := a.valueID(f.key(p))
		if err != nil {
			return err
		}
		k := pair{f.class[p], v}
		id, ok := ids[k]
		if !ok {
			id = len(first)
			ids[k] = id
			first = append(first, p)
		}
		class[p] = id
	}
	f.class, f.first = class, first
	return nil
}

// nclass is the number of classes of the field.
func (f *field) nclass() int { return len(f.first) }
