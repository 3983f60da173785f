package policy

import (
	"fmt"
	"strings"
)

// The guards run after the rules, on each match, in the order of the Guard
// constants. They may only lower a penalty or hold it for review, and each
// that acts leaves a note in the decision. A guard the policy turned off
// leaves a Disabled note where it would have acted, so that it is never off
// silently.

// guard runs the double judgment, no collective punishment and
// proportionality on a match. It reports whether the double judgment held
// back a penalty pending review.
func (e *Engine) guard(d *Decision, st *evalState, m *Match, ladderEnd bool) (held bool) {
	v := st.v
	note := func(g Guard, enabled bool, to Penalty, dur Duration, reason string) {
		n := GuardNote{Guard: g, Action: Lowered, Rule: m.Rule, Violation: m.Violation, From: m.Penalty, To: to, Reason: reason}
		if !enabled {
			n.Action, n.To = Disabled, m.Penalty
		} else {
			m.Penalty, m.Duration = to, dur
		}
		d.Guards = append(d.Guards, n)
	}

	if m.Penalty.Level() > PenaltyWarn.Level() && !v.Verified() {
		g := e.guards.DoubleJudgment
		to, dur := PenaltyWarn, Duration(0)
		if d.Target == TargetGroup {
			to, dur = g.Penalty, g.Duration
			if to.Level() > m.Penalty.Level() || to.Level() == m.Penalty.Level() && dur > m.Duration {
				to, dur = m.Penalty, m.Duration
			}
		}
		if to != m.Penalty || dur != m.Duration {
			note(GuardDoubleJudgment, g.Enabled, to, dur, fmt.Sprintf(
				"violation %s is not verified (%s); nothing above %s until a person confirms it", v.ID, unverifiedWhy(v), to))
			held = g.Enabled
		}
	}

	if d.Target == TargetAccount && m.Penalty != PenaltyNone && !st.isActor && !st.role.Leads() {
		note(GuardNoCollectivePunishment, e.guards.NoCollectivePunishment.Enabled, PenaltyNone, 0, fmt.Sprintf(
			"%s is an ordinary member and did not commit violation %s; members answer only for their own acts", st.subjectID, v.ID))
	}

	if m.Penalty.Permanent() && v.Severity < SeverityHigh && !e.categories[st.cat].ZeroTolerance && !ladderEnd {
		g := e.guards.Proportionality
		note(GuardProportionality, g.Enabled, g.Penalty, g.Duration, fmt.Sprintf(
			"a permanent %s needs high or critical severity, a zero-tolerance category or the end of an escalation ladder; violation %s is %s %s",
			m.Penalty, v.ID, v.Severity, v.Category))
	}
	return held
}

// unverifiedWhy says which half of the double judgment is missing.
func unverifiedWhy(v *Violation) string {
	var missing []string
	if !v.Automated() {
		missing = append(missing, "no technical identification")
	}
	if r := v.LatestReview(); r == nil {
		missing = append(missing, "no manual review")
	} else if r.Verdict != VerdictConfirmed {
		missing = append(missing, "the latest manual review rejected it")
	}
	return strings.Join(missing, ", ")
}

// dueProcess holds a penalty pending review when it lacks its reasons or an
// appeal route: nobody is penalised without being told why and how to object.
func (e *Engine) dueProcess(d *Decision, m Match) {
	var missing []string
	if strings.TrimSpace(d.Reason) == "" {
		missing = append(missing, "the rule's message gave no reason")
	}
	if d.Appeal.Route == "" {
		missing = append(missing, "the policy gives no appeal route")
	}
	if len(missing) == 0 {
		return
	}
	n := GuardNote{Guard: GuardDueProcess, Action: Pending, Rule: m.Rule, Violation: m.Violation, From: m.Penalty, To: m.Penalty,
		Reason: strings.Join(missing, " and ") + "; a person must complete the statement of reasons before it is applied"}
	if e.guards.DueProcess.Enabled {
		d.PendingReview = true
	} else {
		n.Action = Disabled
	}
	d.Guards = append(d.Guards, n)
}
