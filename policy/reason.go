package policy

import (
	"fmt"
	"strings"
)

// loweredReason explains a penalty that guards lowered, so that the reason
// never describes a heavier measure than the one taken.
func loweredReason(d *Decision, m Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s instead of the %s that rule %s asks for", m.Penalty, m.Asked, m.Rule)
	for _, g := range d.Guards {
		if g.Action == InterventionLowered && g.Rule == m.Rule && g.Violation == m.Violation {
			fmt.Fprintf(&b, ": %s", g.Reason)
		}
	}
	if strings.TrimSpace(d.Reason) != "" {
		fmt.Fprintf(&b, ". The rule's reason: %s", d.Reason)
	}
	return b.String()
}
