package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

const shadowUsage = `Usage: warden shadow [-policy LIVE] -candidate NEW.yaml [-json] CASES.jsonl

Shadow decides every group case of CASES.jsonl (the format of warden
campaign: one enforcement.GroupCase a line; - reads standard input) under
the live policy (-policy LIVE, or the embedded default policy) and under
the candidate NEW.yaml beside it, applies nothing, and prints every
decision that would change: another penalty, duration or need of review.

The changes are grouped by role (group, owner, admin, member) and
transition (from one outcome to another), each group in the order of the
cases. Bystanders newly penalised come first: ordinary members who
committed none of the case's violations and whom the candidate penalises
where the live policy did not. Then come the plans whose blast radius
changes: how many accounts each plan acts against under each policy, and
whether it then needs a second approval (more accounts than the policy's
blast_radius setting).

With -json it prints one JSON document instead:

	{"live", "candidate": {"name", "version", "digest"},
	 "cases", "decisions", "changed",
	 "groups": [{"bystanders", "target", "role", "from", "to", "count",
	   "changes": [{"group", "target", "subject", "role",
	     "before", "after": {"penalty", "duration", "pending_review",
	       "rule", "matched"}}]}],
	 "transitions": [{"target", "from", "to", "count"}],
	 "plans": [{"group", "live_touched", "candidate_touched",
	   "live_needs_second_approval", "candidate_needs_second_approval"}]}

The cases stream through, but the changes are held to be grouped.

Exit status: 0 when no decision changes, 1 when some do, when a line is not
a valid group case (reported as CASES.jsonl:line:col: field: message) or
when CASES holds none, 2 when the command line is wrong or a file cannot be
read.
`

// shadowReport is the result of warden shadow, and its -json output.
type shadowReport struct {
	Live        policy.PolicyRef         `json:"live"`
	Candidate   policy.PolicyRef         `json:"candidate"`
	Cases       int                      `json:"cases"`
	Decisions   int                      `json:"decisions"`
	Changed     int                      `json:"changed"`
	Groups      []*changeGroup           `json:"groups"`
	Transitions []enforcement.Transition `json:"transitions"`
	Plans       []planRadius             `json:"plans"`
}

// changeGroup is the changes of one role and transition.
type changeGroup struct {
	// Bystanders is set for the group of ordinary members, none of the
	// case's actors, newly penalised.
	Bystanders bool                 `json:"bystanders"`
	Target     policy.Target        `json:"target"`
	Role       policy.Role          `json:"role,omitempty"`
	From       enforcement.Outcome  `json:"-"`
	To         enforcement.Outcome  `json:"-"`
	FromText   string               `json:"from"`
	ToText     string               `json:"to"`
	Count      int                  `json:"count"`
	Changes    []enforcement.Change `json:"changes"`
}

// planRadius is a plan whose blast radius changes: the accounts it acts
// against under each policy, and whether it needs a second approval.
type planRadius struct {
	Group                        string `json:"group"`
	LiveTouched                  int    `json:"live_touched"`
	CandidateTouched             int    `json:"candidate_touched"`
	LiveNeedsSecondApproval      bool   `json:"live_needs_second_approval"`
	CandidateNeedsSecondApproval bool   `json:"candidate_needs_second_approval"`
}

func runShadow(e *env, args []string) int {
	f := newFlags("shadow", shadowUsage)
	livePolicy := f.policyFlag()
	candidateFile := f.String("candidate", "", "the candidate policy `FILE` to run beside the live one (required)")
	asJSON := f.Bool("json", false, "print the changes as one JSON document")
	rest, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if *candidateFile == "" {
		return f.fail(e, "-candidate NEW.yaml is required")
	}
	if len(rest) != 1 {
		return f.fail(e, "want one CASES.jsonl file, got %d arguments (the policies are given with -policy and -candidate)", len(rest))
	}
	live, err := loadEngine(*livePolicy)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	candidate, err := loadEngine(*candidateFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	in, inName := io.Reader(e.stdin), stdinName
	if file := rest[0]; file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", file, unwrapPath(err))
			return exitUsage
		}
		defer fh.Close()
		in, inName = fh, file
	}
	lines := newCaseLines(inName, in)

	ctx := context.Background()
	livePlanner, candidatePlanner := enforcement.NewPlanner(live), enforcement.NewPlanner(candidate)
	var current enforcement.GroupCase
	var plans []planRadius
	var planErr error
	cases := func(yield func(enforcement.GroupCase) bool) {
		for gc := range lines.cases() {
			lp, err := livePlanner.Plan(ctx, gc)
			if err == nil {
				var cp *enforcement.Plan
				if cp, err = candidatePlanner.Plan(ctx, gc); err == nil && (lp.Touched != cp.Touched || lp.NeedsSecondApproval != cp.NeedsSecondApproval) {
					plans = append(plans, planRadius{Group: gc.Group.ID, LiveTouched: lp.Touched, CandidateTouched: cp.Touched,
						LiveNeedsSecondApproval: lp.NeedsSecondApproval, CandidateNeedsSecondApproval: cp.NeedsSecondApproval})
				}
			}
			if err != nil {
				planErr = err
				return
			}
			current = gc
			if !yield(gc) {
				return
			}
			lines.done()
		}
	}
	groups := map[groupKey]*changeGroup{}
	var order []*changeGroup
	each := func(ch enforcement.Change) error {
		k := groupKey{bystander: newlyPenalisedBystander(ch, current), target: ch.Target, role: ch.Role, from: outcomeText(ch.Before), to: outcomeText(ch.After)}
		g := groups[k]
		if g == nil {
			g = &changeGroup{Bystanders: k.bystander, Target: ch.Target, Role: ch.Role, From: ch.Before, To: ch.After, FromText: k.from, ToText: k.to}
			groups[k] = g
			order = append(order, g)
		}
		g.Count++
		g.Changes = append(g.Changes, ch)
		return nil
	}
	r, err := enforcement.Shadow(ctx, live, candidate, cases, each)
	if err == nil {
		err = planErr
	}
	switch {
	case errors.Is(err, policy.ErrInvalidCase) || errors.Is(err, enforcement.ErrInvalidGroupCase):
		fmt.Fprintln(e.stderr, lines.failed(err))
		return exitFail
	case err != nil:
		fmt.Fprintf(e.stderr, "warden shadow: %v\n", err)
		return exitFail
	}
	if err := lines.error(); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	if r.Cases == 0 {
		// A run over nothing would report no change: a wrong file, not a
		// safe candidate.
		fmt.Fprintf(e.stderr, "%s: no cases, so nothing to compare: give the cases the candidate is to be run on, one JSON group case a line\n", inName)
		return exitFail
	}

	slices.SortStableFunc(order, compareGroups)
	rep := &shadowReport{Live: r.Live, Candidate: r.Candidate, Cases: r.Cases, Decisions: r.Decisions, Changed: r.Changed,
		Groups: order, Transitions: r.Transitions, Plans: plans}
	if rep.Groups == nil {
		rep.Groups = []*changeGroup{}
	}
	if rep.Transitions == nil {
		rep.Transitions = []enforcement.Transition{}
	}
	if rep.Plans == nil {
		rep.Plans = []planRadius{}
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			fmt.Fprintf(e.stderr, "warden shadow: %v\n", err)
			return exitFail
		}
	} else {
		rep.write(e.stdout, live.BlastRadius(), candidate.BlastRadius())
	}
	if rep.Changed > 0 {
		return exitFail
	}
	return exitOK
}

type groupKey struct {
	bystander bool
	target    policy.Target
	role      policy.Role
	from, to  string
}

// newlyPenalisedBystander reports whether a change penalises an ordinary
// member who committed none of the case's violations and whom the live
// policy left alone.
func newlyPenalisedBystander(ch enforcement.Change, gc enforcement.GroupCase) bool {
	if ch.Target != policy.TargetAccount || ch.Role != policy.RoleMember || ch.Before.Penalty != policy.PenaltyNone || ch.After.Penalty == policy.PenaltyNone {
		return false
	}
	return !slices.ContainsFunc(gc.Violations, func(v policy.Violation) bool { return v.Actor == ch.Subject })
}

// compareGroups orders the groups: bystanders newly penalised first, then
// the group's decisions, then by role, then by the outcomes before and
// after, heavier first.
func compareGroups(a, b *changeGroup) int {
	role := func(g *changeGroup) int {
		if g.Target == policy.TargetGroup {
			return 0
		}
		return int(g.Role)
	}
	return cmp.Or(
		-cmp.Compare(boolInt(a.Bystanders), boolInt(b.Bystanders)),
		cmp.Compare(role(a), role(b)),
		-cmp.Compare(a.To.Penalty.Level(), b.To.Penalty.Level()),
		-cmp.Compare(a.To.Duration, b.To.Duration),
		-cmp.Compare(a.From.Penalty.Level(), b.From.Penalty.Level()),
		-cmp.Compare(a.From.Duration, b.From.Duration),
		cmp.Compare(a.FromText+a.ToText, b.FromText+b.ToText),
	)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// outcomeText renders an outcome as "suspend 7d, pending review".
func outcomeText(o enforcement.Outcome) string {
	s := penaltyText(o.Penalty, o.Duration)
	if o.PendingReview {
		s += ", pending review"
	}
	return s
}

func (r *shadowReport) write(w io.Writer, liveRadius, candidateRadius int) {
	fmt.Fprintf(w, "live:      %s %s (sha256 %s)\n", r.Live.Name, r.Live.Version, r.Live.Digest[:12])
	fmt.Fprintf(w, "candidate: %s %s (sha256 %s)\n", r.Candidate.Name, r.Candidate.Version, r.Candidate.Digest[:12])
	fmt.Fprintf(w, "%s, %s, %d changed\n", plural(r.Cases, "case"), plural(r.Decisions, "decision"), r.Changed)
	for _, g := range r.Groups {
		who := "group"
		if g.Target == policy.TargetAccount {
			who = g.Role.String()
		}
		if g.Bystanders {
			who = "bystanders newly penalised (members who did not act)"
		}
		fmt.Fprintf(w, "\n%s: %s -> %s (%d)\n", who, g.FromText, g.ToText, g.Count)
		for _, ch := range g.Changes {
			subject := "group " + ch.Group
			if ch.Target == policy.TargetAccount {
				subject = fmt.Sprintf("account %s in group %s", ch.Subject, ch.Group)
			}
			fmt.Fprintf(w, "  %s: %s\n", subject, ruleChange(ch.Before, ch.After))
		}
	}
	if len(r.Plans) > 0 {
		fmt.Fprintf(w, "\nblast radius per plan (accounts acted against; second approval above %d live, %d candidate):\n", liveRadius, candidateRadius)
		for _, p := range r.Plans {
			note := ""
			switch {
			case p.CandidateNeedsSecondApproval && !p.LiveNeedsSecondApproval:
				note = ", now needs a second approval"
			case !p.CandidateNeedsSecondApproval && p.LiveNeedsSecondApproval:
				note = ", no longer needs a second approval"
			}
			fmt.Fprintf(w, "  group %s: %d -> %d%s\n", p.Group, p.LiveTouched, p.CandidateTouched, note)
		}
	}
}

// ruleChange says which rules decided before and after.
func ruleChange(before, after enforcement.Outcome) string {
	rule := func(o enforcement.Outcome) string {
		if o.Rule == "" {
			return "no rule"
		}
		return "rule " + o.Rule
	}
	if before.Rule == after.Rule {
		return rule(after) + " on both"
	}
	return rule(before) + " -> " + rule(after)
}
