package policy

import "strings"

// The guards run after the rules, on each match, in the order of the Guard
// constants. They may only lower a penalty or hold it for review, and each
// that acts leaves a note in the decision. A guard the policy turned off
// leaves an InterventionDisabled note where it would have acted, so that it is never off
// silently.

// guarded is the outcome of the guards on one match.
type guarded struct {
	// provisional: the double judgment lowered the match or let it stand
	// only until a person reviews it.
	provisional bool
	// withoutReview is what the match would come to once a person confirms
	// the violation: the other guards applied to what the rule asked.
	withoutReview weight
}

// guard runs the double judgment, no collective punishment and
// proportionality on a match.
func (e *Engine) guard(d *Decision, st *evalState, m *Match, ladderEnd bool) guarded {
	v := st.V
	var out guarded
	note := func(g Guard, enabled bool, to Penalty, dur Duration, reason string) {
		n := GuardNote{Guard: g, Action: InterventionLowered, Rule: m.Rule, Violation: m.Violation, From: m.Penalty, To: to, Reason: reason}
		if !enabled {
			n.Action, n.To = InterventionDisabled, m.Penalty
		} else {
			m.Penalty, m.Duration = to, dur
		}
		d.Guards = append(d.Guards, n)
	}

	if m.Penalty != PenaltyNone {
		if review := st.Review; review != nil && review.Verdict == VerdictRejected {
			// A person found no violation: nothing follows from it.
			note(GuardDoubleJudgment, e.p.Guards.DoubleJudgment.Enabled, PenaltyNone, 0,
				"violation "+v.ID+" was rejected by reviewer "+review.Reviewer)
		} else if m.Penalty.Level() > PenaltyWarn.Level() && !st.Verified {
			out = e.doubleJudgment(d, st, m, note)
		}
	}

	if e.collective(d, st) && m.Penalty != PenaltyNone {
		note(GuardNoCollectivePunishment, e.p.Guards.NoCollectivePunishment.Enabled, PenaltyNone, 0,
			st.SubjectID+" is an ordinary member and did not commit violation "+v.ID+"; members answer only for their own acts")
	}

	if e.disproportionate(st, m.Penalty, ladderEnd) {
		g := e.p.Guards.Proportionality
		note(GuardProportionality, g.Enabled, g.Penalty, g.Duration,
			"a permanent "+m.Penalty.String()+" needs high or critical severity, a zero-tolerance category or the end of an escalation ladder; violation "+
				v.ID+" is "+v.Severity.String()+" "+v.Category)
	}
	if out.provisional {
		// What a confirming review would leave standing.
		w := &out.withoutReview
		if e.collective(d, st) && e.p.Guards.NoCollectivePunishment.Enabled {
			w.penalty, w.duration = PenaltyNone, 0
		}
		if e.disproportionate(st, w.penalty, ladderEnd) && e.p.Guards.Proportionality.Enabled {
			w.penalty, w.duration = e.p.Guards.Proportionality.Penalty, e.p.Guards.Proportionality.Duration
		}
	}
	return out
}

// doubleJudgment caps a match on an unverified violation: an account gets
// at most a warning, a group at most the provisional measure. Either way
// the match stands only until a person reviews the violation.
func (e *Engine) doubleJudgment(d *Decision, st *evalState, m *Match, note func(Guard, bool, Penalty, Duration, string)) guarded {
	g := e.p.Guards.DoubleJudgment
	out := guarded{provisional: g.Enabled, withoutReview: weightOf(m)}
	to, dur := PenaltyWarn, Duration(0)
	if d.Target == TargetGroup {
		to, dur = g.Penalty, g.Duration
		if to.Level() > m.Penalty.Level() || to.Level() == m.Penalty.Level() && dur > m.Duration {
			to, dur = m.Penalty, m.Duration
		}
	}
	why, until := unverifiedWhy(st.V, st), untilVerified(st.V, st)
	reason := "violation " + st.V.ID + " is not verified (" + why + "); nothing above " + to.String() + " until " + until
	if to != m.Penalty || dur != m.Duration {
		note(GuardDoubleJudgment, g.Enabled, to, dur, reason)
		return out
	}
	// Within the provisional measure: it stands, pending review.
	n := GuardNote{Guard: GuardDoubleJudgment, Action: InterventionPending, Rule: m.Rule, Violation: m.Violation, From: m.Penalty, To: m.Penalty,
		Reason: "violation " + st.V.ID + " is not verified (" + why + "); the " + m.Penalty.String() + " is provisional until " + until}
	if !g.Enabled {
		n.Action = InterventionDisabled
	}
	d.Guards = append(d.Guards, n)
	return out
}

// collective reports whether the subject is an ordinary member deciding on
// a violation someone else committed.
func (e *Engine) collective(d *Decision, st *evalState) bool {
	return d.Target == TargetAccount && !st.IsActor && !st.Role.Leads()
}

// disproportionate reports whether a permanent measure lacks its grounds.
func (e *Engine) disproportionate(st *evalState, p Penalty, ladderEnd bool) bool {
	return p.Permanent() && st.V.Severity < SeverityHigh && !e.p.Categories[st.Cat].ZeroTolerance && !ladderEnd
}

// unverifiedWhy says which half of the double judgment is missing, as of
// the decision: a review made after it does not count.
func unverifiedWhy(v *Violation, st *evalState) string {
	switch {
	case !v.Automated() && st.Review == nil:
		return "no technical identification, no manual review before the decision"
	case !v.Automated():
		return "no technical identification"
	case st.Review == nil:
		return "no manual review before the decision"
	}
	return ""
}

// untilVerified says what would complete the double judgment.
func untilVerified(v *Violation, st *evalState) string {
	switch {
	case !v.Automated() && st.Review != nil:
		return "a technical identification supports the reviewer's finding"
	case !v.Automated():
		return "a technical identification supports it and a person confirms it"
	}
	return "a person confirms it"
}

// dueProcess holds a penalty pending review when it lacks its reasons or an
// appeal route: nobody is penalised without being told why and how to object.
func (e *Engine) dueProcess(d *Decision, m *Match) {
	var missing []string
	if blank(d.Reason) {
		missing = append(missing, "the rule's message gave no reason")
	}
	if blank(d.Ground.Reference) {
		missing = append(missing, "the rule cites no ground")
	}
	if blank(d.Appeal.Route) {
		missing = append(missing, "the policy gives no appeal route")
	}
	if len(missing) == 0 {
		return
	}
	n := GuardNote{Guard: GuardDueProcess, Action: InterventionPending, Rule: m.Rule, Violation: m.Violation, From: m.Penalty, To: m.Penalty,
		Reason: strings.Join(missing, " and ") + "; a person must complete the statement of reasons before it is applied"}
	if e.p.Guards.DueProcess.Enabled {
		d.PendingReview = true
	} else {
		n.Action = InterventionDisabled
	}
	d.Guards = append(d.Guards, n)
}

// blank reports whether s is empty or only white space. A text that starts
// with a printable ASCII character is not, and is told at its first byte.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < 0x7f {
		return false
	}
	return blankSpace(s)
}

// blankSpace is blank for a text whose first byte does not tell: apart,
// and never inlined into blank, so that blank is inlined.
//
//go:noinline
func blankSpace(s string) bool { return strings.TrimSpace(s) == "" }
