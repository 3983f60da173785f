package policy

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/groupwarden/warden/internal/casespace"
)

// Change is one kind of decision that differs between two versions of a
// policy: for one target and role, from one measure to another, with the
// number of cases checked where it happens and the first of them.
type Change struct {
	Target Target `json:"target"`
	Role   Role   `json:"role,omitempty"`
	// Bystander is set for an ordinary member who committed none of the
	// case's violations.
	Bystander bool   `json:"bystander,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
	Cases     int    `json:"cases"`
	// Case is the first case where it happens, Old and New its decisions.
	Case Case     `json:"case"`
	Old  Decision `json:"old"`
	New  Decision `json:"new"`
}

// NewlyPenalisesBystander reports whether the change penalises an
// ordinary member who did nothing, where the old policy did not.
func (c Change) NewlyPenalisesBystander() bool {
	return c.Bystander && c.From == PenaltyNone.String() && c.To != PenaltyNone.String()
}

// Against decides, under the engine's policy and under old, every case
// verification builds for either policy (one per cell of each policy's case
// space and ladder step, and generated ones where a rule keeps a residual),
// and returns every change of decision grouped by target, role and
// transition: those that newly penalise bystanders first, then by target,
// role and transition. A case one of the policies refuses (a category only
// the other declares) is left out.
func (e *Engine) Against(ctx context.Context, old *Engine) ([]Change, error) {
	groups := map[string]*Change{}
	seen := map[string]bool{}
	for _, x := range []*Engine{e, old} {
		env, err := x.p.PropertyEnv()
		if err != nil {
			return nil, err
		}
		for _, t := range []Target{TargetAccount, TargetGroup} {
			sp, rules, err := x.p.Analyze(t, guardFields(env, t), verifyMaxCells)
			if err != nil {
				return nil, fmt.Errorf("against: the case space of the %s rules: %w", t, err)
			}
			cb := newCaseBuilder(x, t, sp.Fields(), sp.Cells(), sp.Representative)
			rng := rand.New(rand.NewPCG(13, uint64(t)))
			for cell := range sp.Cells() {
				residual := false
				for _, j := range sp.Candidates(cell) {
					residual = residual || rules[j] != nil && sp.Result(cell, j).Verdict == casespace.Residual
				}
				for _, c := range cb.cell(cell, residual, rng) {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
					key := fmt.Sprintf("%+v", c)
					if seen[key] {
						continue
					}
					seen[key] = true
					dn, errNew := e.Decide(ctx, c)
					do, errOld := old.Decide(ctx, c)
					if errNew != nil || errOld != nil {
						continue
					}
					from, to := penaltyOf(do), penaltyOf(dn)
					if from == to {
						continue
					}
					bystander := t == TargetAccount && dn.Role == RoleMember && c.Violations[0].Actor != c.Account.ID
					gk := fmt.Sprint(t, dn.Role, bystander, from, to)
					if g := groups[gk]; g != nil {
						g.Cases++
						continue
					}
					groups[gk] = &Change{Target: t, Role: dn.Role, Bystander: bystander, From: from, To: to, Cases: 1, Case: c, Old: do, New: dn}
				}
			}
		}
	}
	out := make([]Change, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Change) int {
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
