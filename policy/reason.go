package policy

import "strings"

// loweredReason explains a penalty that guards lowered, so that the reason
// never describes a heavier measure than the one taken. The rule's message
// is not quoted: it was written for the measure the rule asks for. It is
// built in one allocation: the campaigns write it for every match lowered.
func loweredReason(d *Decision, m Match) string {
	taken, asked := measureWords(m.Penalty, m.Duration), measureWords(m.Asked, m.AskedDuration)
	const insteadOf, asks = " instead of ", ", which rule "
	n := len(taken) + len(insteadOf) + len(asked) + len(asks) + len(m.Rule) + len(" asks for.")
	lowered := func(g *GuardNote) bool {
		return g.Action == InterventionLowered && g.Rule == m.Rule && g.Violation == m.Violation
	}
	for i := range d.Guards {
		if g := &d.Guards[i]; lowered(g) {
			n += len(": ") + len(g.Reason)
		}
	}
	var b strings.Builder
	b.Grow(n)
	// Every measure's words start with a lower-case ASCII letter.
	b.WriteByte(taken[0] - 'a' + 'A')
	b.WriteString(taken[1:])
	b.WriteString(insteadOf)
	b.WriteString(asked)
	b.WriteString(asks)
	b.WriteString(m.Rule)
	b.WriteString(" asks for")
	for i := range d.Guards {
		if g := &d.Guards[i]; lowered(g) {
			b.WriteString(": ")
			b.WriteString(g.Reason)
		}
	}
	b.WriteString(".")
	return b.String()
}

// measureWords names a measure with its duration, as in "a suspension of
// 30d". Every one starts with a lower-case ASCII letter.
func measureWords(p Penalty, d Duration) string {
	switch {
	case p == PenaltyWarn:
		return "a warning"
	case p == PenaltyRestrict:
		return "a restriction of " + d.String()
	case p == PenaltySuspend:
		return "a suspension of " + d.String()
	case p == PenaltyBan:
		return "a permanent ban"
	case p == PenaltyClose:
		return "closure"
	}
	return "no measure"
}
