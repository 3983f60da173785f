package enforcement

import (
	"slices"
	"time"

	"github.com/groupwarden/warden/policy"
)

// ActionKind is what an action does. The zero ActionKind is not valid.
type ActionKind uint8

// Action is one step of a plan. Its Key is deterministic and unique, so an
// executor can apply it exactly once however often the plan is retried.
type Action struct {
	// Seq is the action's place in the plan, from 1.
	Seq  int        `json:"seq,omitempty"`
	Key  string     `json:"key"`
	Kind ActionKind `json:"kind"`
	// Subject is the account, group or (for evidence and reports) violation acted on.
	Subject string `json:"subject"`
	// Violation is the violation behind the action.
	Violation string `json:"violation,omitempty"`
	// Until ends a suspension or restriction, or the retention of evidence.
	Until time.Time `json:"until,omitzero"`
	// Holdings are the funds a freeze holds; they stay the holder's.
	Holdings []policy.Holding `json:"holdings,omitempty"`
	// Notice is the index into Plan.Notices of a notify action.
	Notice int `json:"notice,omitempty"`
	// Undo reverses the action; nil when it cannot or must not be undone
	// (preserved evidence and reports stay).
	Undo *Action `json:"undo,omitempty"`
}

// builder assembles the actions of a plan in their order.
type builder struct {
	plan    *Plan
	engine  *policy.Engine
	planner *Planner
	gc      GroupCase
	// members indexes the case's members by account id, and firstAct and
	// nextAct chain the violations of each actor, so that every lookup is
	// constant time and the plan is built in time linear in the case.
	members  map[string]int
	firstAct map[string]int
	nextAct  []int
}

func newBuilder(p *Planner, gc GroupCase, plan *Plan) *builder {
	b := &builder{plan: plan, engine: p.engine, planner: p, gc: gc,
		members: make(map[string]int, len(gc.Members)), firstAct: make(map[string]int, len(gc.Violations)),
		nextAct: make([]int, len(gc.Violations))}
	for i, m := range gc.Members {
		b.members[m.Account.ID] = i
	}
	for i := len(gc.Violations) - 1; i >= 0; i-- {
		b.nextAct[i] = -1
		if actor := gc.Violations[i].Actor; actor != "" {
			if j, ok := b.firstAct[actor]; ok {
				b.nextAct[i] = j
			}
			b.firstAct[actor] = i
		}
	}
	return b
}

// acts yields the indexes of the violations the account committed, in
// the case's order.
func (b *builder) acts(account string) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		i, ok := b.firstAct[account]
		for ok && i >= 0 {
			if !yield(i) {
				return
			}
			i = b.nextAct[i]
		}
	}
}

func (b *builder) add(a Action) { b.plan.Actions = append(b.plan.Actions, a) }

// isCSAM reports whether the category is child sexual abuse material, by
// its DSA keyword.
func (b *builder) isCSAM(category string) bool {
	c, ok := b.engine.Category(category)
	return ok && (slices.Contains(c.DSAKeywords, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL") ||
		slices.Contains(c.DSAKeywords, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"))
}

// evidence preserves the evidence of every violation behind a penalty, and
// reports each verified CSAM violation, keeping its evidence a year at least.
func (b *builder) evidence() {
	behind := make(map[string]bool, len(b.plan.Decisions)+len(b.plan.Held)+1)
	if b.plan.GroupDecision.Penalty != policy.PenaltyNone {
		behind[b.plan.GroupDecision.Violation] = true
	}
	for _, d := range b.plan.Decisions {
		behind[d.Violation] = true
	}
	for _, d := range b.plan.Held {
		behind[d.Violation] = true // held for a person, and kept for them
		for _, e := range d.Errors {
			behind[e.Violation] = true // what the failed rule was deciding
		}
	}
	var reports []Action
	for _, v := range b.gc.Violations {
		csam := b.isCSAM(v.Category) && v.VerifiedAt(b.gc.Now)
		if !behind[v.ID] && !csam {
			continue
		}
		until := b.gc.Now.Add(DefaultRetention)
		if csam {
			until = b.gc.Now.AddDate(1, 0, 0)
			b.plan.Obligations = append(b.plan.Obligations,
				Obligation{Kind: ObligationReport, Violation: v.ID, Basis: "verified child sexual abuse material must be reported to the competent authority"},
				Obligation{Kind: ObligationRetain, Violation: v.ID, Until: until, Basis: "the reported material and its evidence are kept at least one year; no later step may delete them"})
			reports = append(reports, Action{Kind: ReportToAuthority, Subject: v.ID, Violation: v.ID})
		}
		b.add(Action{Kind: PreserveEvidence, Subject: v.ID, Violation: v.ID, Until: until})
	}
	for _, r := range reports {
		b.add(r)
	}
}

// freezes holds the funds of every banned account: frozen, never forfeited.
func (b *builder) freezes() {
	for _, d := range b.plan.Decisions {
		if d.Penalty != policy.PenaltyBan {
			continue
		}
		acct := b.member(d.Subject)
		if len(acct.Holdings) == 0 {
			continue
		}
		h := slices.Clone(acct.Holdings)
		b.add(Action{Kind: FreezeFunds, Subject: d.Subject, Violation: d.Violation, Holdings: h,
			Undo: &Action{Kind: ReleaseFunds, Subject: d.Subject, Holdings: h}})
	}
}

func (b *builder) member(id string) policy.Account {
	if i, ok := b.members[id]; ok {
		return b.gc.Members[i].Account
	}
	return policy.Account{ID: id}
}

var accountKinds = map[policy.Penalty]ActionKind{
	policy.PenaltyBan: BanAccount, policy.PenaltySuspend: SuspendAccount,
	policy.PenaltyRestrict: RestrictAccount, policy.PenaltyWarn: WarnAccount,
}

var groupKinds = map[policy.Penalty]ActionKind{
	policy.PenaltyClose: CloseGroup, policy.PenaltySuspend: SuspendGroup,
	policy.PenaltyRestrict: RestrictGroup, policy.PenaltyWarn: WarnGroup,
}

// AccountActionKind returns the action that gives an account the penalty,
// and false for none and close.
func AccountActionKind(p policy.Penalty) (ActionKind, bool) {
	k, ok := accountKinds[p]
	return k, ok
}

func (b *builder) accountActions() {
	for _, d := range b.plan.Decisions {
		undo := ReinstateAccount
		if d.Penalty == policy.PenaltyWarn {
			undo = WithdrawWarning
		}
		b.add(Action{Kind: accountKinds[d.Penalty], Subject: d.Subject, Violation: d.Violation, Until: d.Until(),
			Undo: &Action{Kind: undo, Subject: d.Subject}})
	}
}

func (b *builder) groupAction() {
	gd := b.plan.GroupDecision
	if held(&gd) {
		b.plan.Held = append(b.plan.Held, gd)
		return
	}
	if gd.Penalty == policy.PenaltyNone {
		return
	}
	undo := ReopenGroup
	if gd.Penalty == policy.PenaltyWarn {
		undo = WithdrawWarning
	}
	b.add(Action{Kind: groupKinds[gd.Penalty], Subject: gd.Subject, Violation: gd.Violation, Until: gd.Until(),
		Undo: &Action{Kind: undo, Subject: gd.Subject}})
}
