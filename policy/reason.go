package policy

import (
	"fmt"
	"strings"
)

// loweredReason explains a penalty that guards lowered, so that the reason
// never describes a heavier measure than the one taken. The rule's message
// is not quoted: it was written for the measure the rule asks for.
func loweredReason(d *Decision, m Match) string {
	var b strings.Builder
	taken := measureWords(m.Penalty, m.Duration)
	fmt.Fprintf(&b, "%s%s instead of %s, which rule %s asks for", strings.ToUpper(taken[:1]), taken[1:], measureWords(m.Asked, m.AskedDuration), m.Rule)
	for _, g := range d.Guards {
		if g.Action == InterventionLowered && g.Rule == m.Rule && g.Violation == m.Violation {
			fmt.Fprintf(&b, ": %s", g.Reason)
		}
	}
	b.WriteString(".")
	return b.String()
}

// measureWords names a measure with its duration, as in "a suspension of
// 30d".
func measureWords(p Penalty, d Duration) string {
	switch {
	case p == PenaltyWarn:
		return "a warning"
	case p == PenaltyRestrict:
		return fmt.Sprintf("a restriction of %s", d)
	case p == PenaltySuspend:
		return fmt.Sprintf("a suspension of %s", d)
	case p == PenaltyBan:
		return "a permanent ban"
	case p == PenaltyClose:
		return "closure"
	}
	return "no measure"
}
