package policy

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
)

// Change is one kind of decision that differs between two versions of a
// policy: for one target and role, from one measure to another, with the
// number of joint cells and of cases checked where it happens and the
// first of them.
type Change struct {
	Target Target `json:"target"`
	Role   Role   `json:"role,omitempty"`
	// Bystander is set for an ordinary member who committed none of the
	// case's violations.
	Bystander bool   `json:"bystander,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Cells counts the cells of the joint partition ([Comparison]) in
	// which some case checked changes this way; Cases the cases checked
	// that do (a cell is decided once per ladder step).
	Cells int `json:"cells"`
	Cases int `json:"cases"`
	// Cell describes the joint cell of Case, the first case where it
	// happens; Old and New are its decisions.
	Cell string   `json:"cell"`
	Case Case     `json:"case"`
	Old  Decision `json:"old"`
	New  Decision `json:"new"`
}

// NewlyPenalisesBystander reports whether the change penalises an
// ordinary member who did nothing, where the old policy did not.
func (c Change) NewlyPenalisesBystander() bool {
	return c.Bystander && c.From == PenaltyNone.String() && c.To != PenaltyNone.String()
}

// Comparison is what [Engine.Against] found: every change of decision
// between two versions of a policy over their joint partition, and what it
// could not compare.
type Comparison struct {
	Changes []Change `json:"changes"`
	// Spaces are the sizes of the joint partitions, by target.
	Spaces []JointSize `json:"joint_spaces"`
	// NewOnly and OldOnly list the categories only the new policy, or only
	// the old one, declares: the other refuses their cases, so no case of
	// them is compared.
	NewOnly []string `json:"new_only_categories,omitempty"`
	OldOnly []string `json:"old_only_categories,omitempty"`
}

// JointSize is the size of one target's joint partition of two policies:
// each case field cut at the constants of both, so that within a joint
// cell both policies decide alike.
type JointSize struct {
	Target Target `json:"target"`
	Cells  int    `json:"cells"`
	// New and Old are the cells of each policy's own verification space;
	// a joint cell lies in one of each.
	New int `json:"new"`
	Old int `json:"old"`
	// Cases counts the cases decided under both.
	Cases int `json:"cases"`
}

// Against compares the engine's policy with old over their joint
// partition: the case fields that either policy's rules (conditions and
// penalty expressions) or the guards compare, each cut at the constants of
// both, so that both policies are constant within each joint cell (a cell
// of either policy alone may straddle a cut of the other). It decides one
// case of one violation per joint cell and ladder step, and generated ones
// where a rule of either keeps a residual, under both, and returns every
// change of decision grouped by target, role and transition: those that
// newly penalise bystanders first, then by target, role and transition.
// Categories are matched by name; those only one policy declares are not
// compared and are listed in the [Comparison]. Cases of one violation
// suffice for the measures: a case of several takes the heaviest measure
// its violations take alone, so where no case of one violation changes its
// measure, no case of several does.
func (e *Engine) Against(ctx context.Context, old *Engine) (Comparison, error) {
	var out Comparison
	var cats []int // indexes in the new catalogue of the shared categories
	for i, c := range e.p.Categories {
		if _, ok := old.p.CategoryIndex(c.Name); ok {
			cats = append(cats, i)
		} else {
			out.NewOnly = append(out.NewOnly, c.Name)
		}
	}
	for _, c := range old.p.Categories {
		if _, ok := e.p.CategoryIndex(c.Name); !ok {
			out.OldOnly = append(out.OldOnly, c.Name)
		}
	}
	if len(cats) == 0 {
		return out, fmt.Errorf("against: the two policies share no category")
	}
	groups := map[string]*Change{}
	last := map[string]int{} // the last joint cell counted, plus one
	for _, t := range []Target{TargetAccount, TargetGroup} {
		j, err := jointSpace(e, old, t, cats)
		if err != nil {
			return out, err
		}
		size := JointSize{Target: t, Cells: j.cells, New: j.spaces[0].Cells(), Old: j.spaces[1].Cells()}
		cb := newCaseBuilder(e, t, j.fields, j.cells, max(ladderSteps(e.p, t), ladderSteps(old.p, t)), j.representative)
		cb.alt = j.next
		cb.base = nil // each joint cell is decided once: no pairs to reuse its cases
		rng := rand.New(rand.NewPCG(13, uint64(t)))
		for cell := range j.cells {
			for _, c := range cb.cell(cell, j.variety(cell), rng) {
				if err := ctx.Err(); err != nil {
					return out, err
				}
				dn, errNew := e.Decide(ctx, c)
				do, errOld := old.Decide(ctx, c)
				if errNew != nil || errOld != nil {
					continue
				}
				size.Cases++
				from, to := penaltyOf(do), penaltyOf(dn)
				if from == to {
					continue
				}
				bystander := t == TargetAccount && dn.Role == RoleMember && !slices.ContainsFunc(c.Violations, func(v Violation) bool { return v.Actor == c.Account.ID })
				gk := fmt.Sprint(t, dn.Role, bystander, from, to)
				g := groups[gk]
				if g == nil {
					g = &Change{Target: t, Role: dn.Role, Bystander: bystander, From: from, To: to, Cell: j.describe(cell), Case: c, Old: do, New: dn}
					groups[gk] = g
				}
				g.Cases++
				if last[gk] != cell+1 {
					g.Cells++
					last[gk] = cell + 1
				}
			}
		}
		out.Spaces = append(out.Spaces, size)
	}
	out.Changes = make([]Change, 0, len(groups))
	for _, g := range groups {
		out.Changes = append(out.Changes, *g)
	}
	slices.SortFunc(out.Changes, func(a, b Change) int {
		if a.NewlyPenalisesBystander() != b.NewlyPenalisesBystander() {
			if a.NewlyPenalisesBystander() {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.Role, b.Role),
			boolCompare(a.Bystander, b.Bystander), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out, nil
}

// joint is the joint partition of two policies' verification spaces for
// one target: every field either space cuts, its pieces those of both
// (for an ordered field, cut at the union of both spaces' cut points; for
// an enum or bool, its values), grouped into classes by the pair of
// classes they have in the two spaces. Within a joint cell each space's
// cell is the same, so both policies' candidates and residuals are.
type joint struct {
	spaces [2]*casespace.Space
	// policies are the two policies, new and old, whose variables the
	// residuals of their spaces refer to.
	policies [2]*compiler.Policy
	fields   []casespace.FieldInfo
	// classes holds, per field, each joint class: its representative and
	// its class in each space (-1 where the space lacks the field).
	classes [][]jointClass
	// at holds, per field, its index in each space (-1: not there).
	at     [][2]int
	stride []int
	cells  int
}

// jointClass is one class of a field of a joint partition.
type jointClass struct {
	// rep is the class's least value; alt the next one where the class
	// holds it, else rep.
	rep, alt ref.Val
	in       [2]int
	desc     string
}

// jointSpace builds the joint partition of the target's verification
// spaces of e and old (each analysing its rules' conditions and penalty
// expressions and the fields the guards read), over the categories cats
// (indexes in e's catalogue) that both declare.
func jointSpace(e, old *Engine, t Target, cats []int) (*joint, error) {
	j := &joint{}
	for i, x := range []*Engine{e, old} {
		env, err := x.p.PropertyEnv()
		if err != nil {
			return nil, err
		}
		sp, _, err := x.p.Analyze(t, verifyExprs(env, x.p, t), verifyMaxCells)
		if err != nil {
			return nil, fmt.Errorf("against: the case space of the %s rules of %s: %w", t, x.p.Ref.Name, err)
		}
		j.spaces[i], j.policies[i] = sp, x.p
	}
	index := [2]map[string]int{{}, {}}
	var names []string
	domains := map[string]casespace.Domain{}
	for i, sp := range j.spaces {
		for k, f := range sp.Fields() {
			index[i][f.Name] = k
			if _, ok := domains[f.Name]; !ok {
				names = append(names, f.Name)
				domains[f.Name] = f.Domain
			}
		}
	}
	if _, ok := domains["violation.category"]; !ok {
		// Neither policy reads the category: every shared one is alike,
		// but a case must hold one both declare.
		names = append(names, "violation.category")
		domains["violation.category"] = casespace.Domain{Kind: casespace.KindEnum}
	}
	j.cells = 1
	for _, name := range names {
		at := [2]int{-1, -1}
		for i := range j.spaces {
			if k, ok := index[i][name]; ok {
				at[i] = k
			}
		}
		d := domains[name]
		var classes []jointClass
		switch {
		case name == "violation.category":
			classes = j.enumClasses(at, len(cats), func(v int) ref.Val { return celx.Category(cats[v]) },
				func(i, v int) int {
					if i == 0 {
						return cats[v]
					}
					k, _ := old.p.CategoryIndex(e.p.Categories[cats[v]].Name)
					return int(k)
				},
				func(v int) string { return e.p.Categories[cats[v]].Name })
		case d.Kind == casespace.KindEnum:
			classes = j.enumClasses(at, len(d.Values), func(v int) ref.Val { return d.Values[v] },
				func(_, v int) int { return v }, func(v int) string { return showValue(d.Values[v]) })
		case d.Kind == casespace.KindBool:
			classes = j.enumClasses(at, 2, func(v int) ref.Val { return types.Bool(v == 1) },
				func(_, v int) int { return v }, func(v int) string { return fmt.Sprint(v == 1) })
		default:
			classes = j.orderedClasses(at, d)
		}
		j.fields = append(j.fields, casespace.FieldInfo{Name: name, Domain: d, Classes: descs(classes)})
		j.classes = append(j.classes, classes)
		j.at = append(j.at, at)
		j.stride = append(j.stride, j.cells)
		j.cells *= len(classes)
		if j.cells > verifyMaxCells {
			return nil, fmt.Errorf("against: the joint case space of the %s rules has more than %d cells", t, verifyMaxCells)
		}
	}
	return j, nil
}

// enumClasses groups the n values of an enum or bool field by the pair of
// classes they have in the two spaces: key(i, v) is value v's index in
// space i's domain.
func (j *joint) enumClasses(at [2]int, n int, val func(int) ref.Val, key func(i, v int) int, show func(int) string) []jointClass {
	var classes []jointClass
	var members [][]string
	for v := range n {
		in := [2]int{-1, -1}
		for i, sp := range j.spaces {
			if at[i] >= 0 {
				c, _ := sp.ClassOfKey(at[i], int64(key(i, v)))
				in[i] = c
			}
		}
		k := slices.IndexFunc(classes, func(c jointClass) bool { return c.in == in })
		if k < 0 {
			k = len(classes)
			classes = append(classes, jointClass{rep: val(v), alt: val(v), in: in})
			members = append(members, nil)
		}
		members[k] = append(members[k], show(v))
	}
	for k := range classes {
		classes[k].desc = casespace.DescribeValues(members[k])
	}
	return classes
}

// orderedClasses cuts an ordered field at the cut points of both spaces
// and groups the pieces by the pair of classes they have in the two.
func (j *joint) orderedClasses(at [2]int, d casespace.Domain) []jointClass {
	var los []int64 // each space's pieces start at d.Min
	for i, sp := range j.spaces {
		if at[i] >= 0 {
			los = append(los, sp.Pieces(at[i])...)
		}
	}
	slices.Sort(los)
	los = slices.Compact(los)
	box := d.Box
	var classes []jointClass
	var ranges [][][2]int64 // per class, its intervals, adjacent ones merged
	for p, lo := range los {
		in := [2]int{-1, -1}
		for i, sp := range j.spaces {
			if at[i] >= 0 {
				in[i], _ = sp.ClassOfKey(at[i], lo)
			}
		}
		k := slices.IndexFunc(classes, func(c jointClass) bool { return c.in == in })
		if k < 0 {
			k = len(classes)
			classes = append(classes, jointClass{rep: box(lo), alt: box(lo), in: in})
			ranges = append(ranges, nil)
		}
		hi := d.Max
		if p+1 < len(los) {
			hi = los[p+1] - 1
		}
		if len(ranges[k]) == 0 && hi > lo {
			classes[k].alt = box(lo + 1)
		}
		if r := ranges[k]; len(r) > 0 && r[len(r)-1][1] == lo-1 {
			r[len(r)-1][1] = hi
		} else {
			ranges[k] = append(r, [2]int64{lo, hi})
		}
	}
	for k := range classes {
		var parts []string
		for _, r := range ranges[k] {
			parts = append(parts, d.DescribeInterval(r[0], r[1]))
		}
		classes[k].desc = casespace.DescribeValues(parts)
	}
	return classes
}

// showValue writes an enum value as a rule author reads it.
func showValue(v ref.Val) string {
	switch x := v.(type) {
	case celx.Severity:
		return Severity(x).String()
	case celx.Role:
		return roleName(Role(x))
	}
	return fmt.Sprint(v)
}

func descs(classes []jointClass) []string {
	out := make([]string, len(classes))
	for i, c := range classes {
		out[i] = c.desc
	}
	return out
}

// representative is a case of the joint cell: one value of each field.
func (j *joint) representative(cell int) []ref.Val {
	out := make([]ref.Val, len(j.fields))
	for i, cs := range j.classes {
		out[i] = cs[cell/j.stride[i]%len(cs)].rep
	}
	return out
}

// next is the second representative of the joint cell: each count or
// age one above the first where the cell holds it.
func (j *joint) next(cell int) []ref.Val {
	out := make([]ref.Val, len(j.fields))
	for i, cs := range j.classes {
		out[i] = cs[cell/j.stride[i]%len(cs)].alt
	}
	return out
}

// cellIn is the cell of space i (0 new, 1 old) that holds the joint cell.
func (j *joint) cellIn(i, cell int) int {
	sp := j.spaces[i]
	c := 0
	for f, cs := range j.classes {
		if k := j.at[f][i]; k >= 0 {
			c += cs[cell/j.stride[f]%len(cs)].in[i] * sp.Stride(k)
		}
	}
	return c
}

// variety is what the residuals of a joint cell compare the case with, in
// either policy; nil when neither keeps one there.
func (j *joint) variety(cell int) *variety {
	var v variety
	residual := false
	for i, sp := range j.spaces {
		c := j.cellIn(i, cell)
		if cv := residualRules(j.policies[i], sp, nil, c, sp.Exprs()); cv != nil {
			residual = true
			v = v.merge(cv.v)
		}
	}
	if !residual {
		return nil
	}
	return &v
}

// describe writes a joint cell as a rule author reads it.
func (j *joint) describe(cell int) string {
	var parts []string
	for i, f := range j.fields {
		parts = append(parts, f.Name+"="+f.Classes[cell/j.stride[i]%len(f.Classes)])
	}
	return strings.Join(parts, " ")
}

// penaltyOf writes a decision's measure: "suspend 7d", "ban", "none".
func penaltyOf(d Decision) string {
	if d.Duration > 0 {
		return d.Penalty.String() + " " + d.Duration.String()
	}
	return d.Penalty.String()
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
