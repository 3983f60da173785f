package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The texts of reasons and guard notes are built without fmt; these are
// the fmt forms they must equal, byte for byte.
func referenceMeasureWords(p Penalty, d Duration) string {
	switch p {
	case PenaltyWarn:
		return "a warning"
	case PenaltyRestrict:
		return fmt.Sprintf("a restriction of %s", d)
	case PenaltySuspend:
		return fmt.Sprintf("a suspension of %s", d)
	case PenaltyBan:
		return "a permanent ban"
	case PenaltyClose:
		return "closure"
	}
	return "no measure"
}

func referenceLoweredReason(d *Decision, m Match) string {
	var b strings.Builder
	taken := referenceMeasureWords(m.Penalty, m.Duration)
	fmt.Fprintf(&b, "%s%s instead of %s, which rule %s asks for", strings.ToUpper(taken[:1]), taken[1:], referenceMeasureWords(m.Asked, m.AskedDuration), m.Rule)
	for _, g := range d.Guards {
		if g.Action == InterventionLowered && g.Rule == m.Rule && g.Violation == m.Violation {
			fmt.Fprintf(&b, ": %s", g.Reason)
		}
	}
	b.WriteString(".")
	return b.String()
}

// TestReasonsAsWithFmt checks measureWords and loweredReason against their
// fmt forms on measures and guard notes generated from a seed.
func TestReasonsAsWithFmt(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	durations := []Duration{0, Duration(time.Hour), Duration(24 * time.Hour), Duration(90 * 24 * time.Hour), Duration(90*time.Minute + time.Second)}
	pick := func() (Penalty, Duration) {
		return Penalty(rng.IntN(int(PenaltyClose) + 2)), durations[rng.IntN(len(durations))]
	}
	quoted := 0
	for range 3000 {
		p, dur := pick()
		require.Equal(t, referenceMeasureWords(p, dur), measureWords(p, dur))
		m := Match{Rule: fmt.Sprintf("r%d", rng.IntN(3)), Violation: fmt.Sprintf("v%d", rng.IntN(3))}
		m.Penalty, m.Duration = pick()
		m.Asked, m.AskedDuration = pick()
		var d Decision
		for range rng.IntN(4) {
			d.Guards = append(d.Guards, GuardNote{
				Action: Intervention(1 + rng.IntN(3)), Rule: fmt.Sprintf("r%d", rng.IntN(3)), Violation: fmt.Sprintf("v%d", rng.IntN(3)),
				Reason: strings.Repeat("why ", rng.IntN(3))})
		}
		got := loweredReason(&d, m)
		require.Equal(t, referenceLoweredReason(&d, m), got)
		if strings.Contains(got, ": why") {
			quoted++
		}
	}
	require.Greater(t, quoted, 50, "reasons that quote the notes of the guards that lowered them")
}

// The double judgment's texts: a rejected violation, and a group's
// provisional measure on a violation neither identified nor reviewed.
func TestDoubleJudgmentTexts(t *testing.T) {
	e := Default()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	group := Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 50}
	rejected := Case{Target: TargetAccount, Group: group, Account: &Account{ID: "owner"}, Now: now,
		Violations: []Violation{{ID: "v1", Category: "csam", Severity: SeverityCritical, Actor: "member",
			Evidence: Evidence{Identifications: []Identification{{Method: MethodHashMatch, Confidence: 1}}},
			Reviews:  []Review{{Reviewer: "r9", Verdict: VerdictRejected, At: now.Add(-time.Hour)}}}}}
	d, err := e.Decide(context.Background(), rejected)
	require.NoError(t, err)
	require.NotEmpty(t, d.Guards)
	require.Equal(t, fmt.Sprintf("violation %s was rejected by reviewer %s", "v1", "r9"), d.Guards[0].Reason)

	unverified := Case{Target: TargetGroup, Group: group, Now: now,
		Violations: []Violation{{ID: "v2", Category: "csam", Severity: SeverityCritical, Actor: "member"}}}
	d, err = e.Decide(context.Background(), unverified)
	require.NoError(t, err)
	require.NotEmpty(t, d.Guards)
	why := strings.Join([]string{"no technical identification", "no manual review before the decision"}, ", ")
	until := "a technical identification supports it and a person confirms it"
	var want []string
	for _, g := range d.Guards {
		switch g.Action {
		case InterventionPending:
			want = append(want, fmt.Sprintf("violation %s is not verified (%s); the %s is provisional until %s", "v2", why, g.From, until))
		case InterventionLowered:
			want = append(want, fmt.Sprintf("violation %s is not verified (%s); nothing above %s until %s", "v2", why, g.To, until))
		}
	}
	require.NotEmpty(t, want)
	var got []string
	for _, g := range d.Guards {
		if g.Guard == GuardDoubleJudgment {
			got = append(got, g.Reason)
		}
	}
	require.Equal(t, want, got)
}
