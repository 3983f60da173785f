package enforcement

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/groupwarden/warden/policy"
)

// Outcome is what one decision came to.
type Outcome struct {
	Penalty       policy.Penalty  `json:"penalty"`
	Duration      policy.Duration `json:"duration,omitempty"`
	PendingReview bool            `json:"pending_review,omitempty"`
	// Held is set when a plan would apply nothing of the decision until a
	// person completes it: a rule failed for its subject, or due process
	// holds it (see [Plan.Held]).
	Held bool `json:"held,omitempty"`
	// Rule is the winning rule; Matched every rule that matched, in order.
	Rule    string   `json:"rule,omitempty"`
	Matched []string `json:"matched,omitempty"`
}

func outcomeOf(d policy.Decision) Outcome {
	o := Outcome{Penalty: d.Penalty, Duration: d.Duration, PendingReview: d.PendingReview, Held: held(&d), Rule: d.Rule}
	for _, m := range d.Matches {
		o.Matched = append(o.Matched, m.Rule)
	}
	return o
}

// Change is a decision that the candidate policy takes differently from the
// live one: another penalty, duration or need of review, or held where the
// other is applied.
type Change struct {
	Group   string        `json:"group"`
	Target  policy.Target `json:"target"`
	Subject string        `json:"subject"`
	Role    policy.Role   `json:"role,omitempty"`
	Before  Outcome       `json:"before"`
	After   Outcome       `json:"after"`
}

// Transition counts the changes from one penalty to another.
type Transition struct {
	Target policy.Target  `json:"target"`
	From   policy.Penalty `json:"from"`
	To     policy.Penalty `json:"to"`
	Count  int            `json:"count"`
}

// ShadowReport sums up a shadow run.
type ShadowReport struct {
	Live      policy.PolicyRef `json:"live"`
	Candidate policy.PolicyRef `json:"candidate"`
	Cases     int              `json:"cases"`
	Decisions int              `json:"decisions"`
	Changed   int              `json:"changed"`
	// Transitions counts the changes by target and penalties, sorted.
	Transitions []Transition `json:"transitions,omitempty"`
}

// Shadow decides every case under the live policy and a candidate beside
// it, passes each decision that would change to each (in the order of the
// cases, group first, then members), and returns the counts. Nothing is
// applied; memory does not grow with the number of cases.
func Shadow(ctx context.Context, live, candidate *policy.Engine, cases iter.Seq[GroupCase], each func(Change) error) (*ShadowReport, error) {
	r := &ShadowReport{Live: live.Policy(), Candidate: candidate.Policy()}
	counts := map[Transition]int{}
	n := 0
	var before, after []policy.Decision
	for gc := range cases {
		n++
		var err error
		if before, err = live.DecideGroup(ctx, gc, before[:0]); err != nil {
			return nil, fmt.Errorf("case %d (group %s): live: %w", n, gc.Group.ID, err)
		}
		if after, err = candidate.DecideGroup(ctx, gc, after[:0]); err != nil {
			return nil, fmt.Errorf("case %d (group %s): candidate: %w", n, gc.Group.ID, err)
		}
		r.Cases++
		for i := range before {
			b, a := &before[i], &after[i]
			r.Decisions++
			if b.Penalty == a.Penalty && b.Duration == a.Duration && b.PendingReview == a.PendingReview && held(b) == held(a) {
				continue
			}
			r.Changed++
			counts[Transition{Target: b.Target, From: b.Penalty, To: a.Penalty}]++
			if each != nil {
				ch := Change{Group: gc.Group.ID, Target: b.Target, Subject: b.Subject, Role: b.Role,
					Before: outcomeOf(*b), After: outcomeOf(*a)}
				if err := each(ch); err != nil {
					return nil, err
				}
			}
		}
	}
	for t, c := range counts {
		t.Count = c
		r.Transitions = append(r.Transitions, t)
	}
	slices.SortFunc(r.Transitions, func(a, b Transition) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return r, nil
}
