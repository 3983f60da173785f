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

// builder assembles the actions of a plan in their order. It lives in a
// [work] and is set up again for every plan.
type builder struct {
	plan    *Plan
	planner *Planner
	gc      *GroupCase
	w       *work
	// actors (when there are at most maxListedActors of them), or else
	// firstAct, and nextAct chain the violations of each actor, so that
	// every lookup is constant time and the plan is built in time linear
	// in the case. See [builder.actsOf].
	actors   []actorActs
	firstAct map[string]int
	mapped   bool
	nextAct  []int
	// undo is room for the plan's undo actions, one allocation per plan
	// (or the room of the campaign's slot, see [work]).
	undo []Action
	// split builds the group part of the plan only (see [SplitPlan]): the
	// actions the account plans carry are counted, for the numbers in the
	// keys of the others, but not built. next counts the actions of the
	// whole plan so far.
	split bool
	next  int
}

// builder sets up the builder of w for one plan.
func (w *work) builder(p *Planner, gc *GroupCase, plan *Plan) *builder {
	b := &w.b
	*b = builder{plan: plan, planner: p, gc: gc, w: w, split: w.split, actors: b.actors[:0],
		firstAct: b.firstAct, nextAct: slices.Grow(b.nextAct[:0], len(gc.Violations))[:len(gc.Violations)]}
	w.decided, w.at, w.late = w.decided[:0], w.at[:0], lateAction{}
	for i := len(gc.Violations) - 1; i >= 0; i-- {
		b.nextAct[i] = -1
		actor := gc.Violations[i].Actor
		if actor == "" {
			continue
		}
		if !b.mapped {
			if k := b.listed(actor); k >= 0 {
				b.nextAct[i], b.actors[k].first = b.actors[k].first, i
				continue
			}
			if len(b.actors) < maxListedActors {
				b.actors = append(b.actors, actorActs{actor: actor, first: i})
				continue
			}
			b.mapActors(len(gc.Violations))
		}
		if j, ok := b.firstAct[actor]; ok {
			b.nextAct[i] = j
		}
		b.firstAct[actor] = i
	}
	return b
}

// actorActs is the first violation of an actor, in the builder's list.
type actorActs struct {
	actor string
	first int
}

// maxListed is the most entries a short list of a work holds, looked up by
// a scan, which costs less than a map for the few of most cases: the
// actors of a plan, the currencies of a case's holdings. Beyond, a map.
const maxListed = 8

// maxListedActors is the most actors the builder lists.
const maxListedActors = maxListed

// listed returns the place of an actor in the builder's list, -1 for none.
func (b *builder) listed(actor string) int {
	for k := range b.actors {
		if b.actors[k].actor == actor {
			return k
		}
	}
	return -1
}

// mapActors moves the listed actors to the map, for a case of more actors
// than the list takes.
func (b *builder) mapActors(violations int) {
	if b.firstAct == nil || len(b.firstAct) > maxPooledKeys {
		b.firstAct = make(map[string]int, violations)
	} else {
		clear(b.firstAct)
	}
	for _, a := range b.actors {
		b.firstAct[a.actor] = a.first
	}
	clear(b.actors)
	b.actors, b.mapped = b.actors[:0], true
}

// actsOf returns the first violation the account committed, if any.
func (b *builder) actsOf(account string) (int, bool) {
	if !b.mapped {
		if k := b.listed(account); k >= 0 {
			return b.actors[k].first, true
		}
		return 0, false
	}
	first, ok := b.firstAct[account]
	return first, ok
}

// add appends an action to the plan, remembering the first that would end
// too late.
func (b *builder) add(a Action) {
	b.plan.Actions = append(b.plan.Actions, a)
	if b.split {
		b.w.at = append(b.w.at, b.next)
	}
	b.skip(a.Kind, a.Until)
}

// addNotify appends the notify action of a notice, written in its place.
func (b *builder) addNotify(to string, notice int) {
	b.plan.Actions = append(b.plan.Actions, Action{Kind: Notify, Subject: to, Notice: notice})
	if b.split {
		b.w.at = append(b.w.at, b.next)
	}
	b.next++ // a notification ends nothing
}

// skip counts an action of the whole plan, which its group part leaves to
// the account plans when skip is called alone, remembering the first that
// would end too late.
func (b *builder) skip(kind ActionKind, until time.Time) {
	if !b.w.late.set && until.After(MaxTime) {
		b.w.late = lateAction{set: true, at: b.next, kind: kind}
	}
	b.next++
}

// isCSAM reports whether the category is child sexual abuse material, by
// its DSA keyword.
func (b *builder) isCSAM(category string) bool { return b.planner.csam[category] }

// csamCategories returns the categories of the engine's policy that are
// child sexual abuse material, by their DSA keyword.
func csamCategories(e *policy.Engine) map[string]bool {
	out := map[string]bool{}
	for _, c := range e.Categories() {
		if slices.Contains(c.DSAKeywords, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL") ||
			slices.Contains(c.DSAKeywords, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE") {
			out[c.Name] = true
		}
	}
	return out
}

// evidence preserves the evidence of every violation behind a penalty, and
// reports each verified CSAM violation, keeping its evidence a year at least.
func (b *builder) evidence() {
	behind := b.w.behind
	if behind == nil || len(behind) > maxPooledKeys {
		behind = make(map[string]bool, len(b.plan.Decisions)+len(b.plan.Held)+1)
		b.w.behind = behind
	} else {
		clear(behind)
	}
	if b.plan.GroupDecision.Penalty != policy.PenaltyNone {
		behind[b.plan.GroupDecision.Violation] = true
	}
	for i := range b.plan.Decisions {
		behind[b.plan.Decisions[i].Violation] = true
	}
	for i := range b.plan.Held {
		d := &b.plan.Held[i]
		behind[d.Violation] = true // held for a person, and kept for them
		for _, e := range d.Errors {
			behind[e.Violation] = true // what the failed rule was deciding
		}
	}
	reports := b.w.reports[:0]
	for i := range b.gc.Violations {
		v := &b.gc.Violations[i]
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
	b.w.reports = reports
}

// undos makes room, in one allocation, for the undo actions of the plan:
// a release per freeze, a reversal per account measure and one for the
// group's measure.
func (b *builder) undos() {
	if b.split {
		if b.plan.GroupDecision.Penalty != policy.PenaltyNone && !held(&b.plan.GroupDecision) {
			b.undo = b.w.undoRoom(1)
		}
		return
	}
	n := len(b.plan.Decisions) + 1
	for k, d := range b.plan.Decisions {
		if d.Penalty == policy.PenaltyBan && len(b.gc.Members[b.w.decided[k]].Account.Holdings) > 0 {
			n++
		}
	}
	if len(b.plan.Decisions) == 0 && (b.plan.GroupDecision.Penalty == policy.PenaltyNone || held(&b.plan.GroupDecision)) {
		return
	}
	b.undo = b.w.undoRoom(n)
}

// undoAction keeps an undo action in the plan's room for them.
func (b *builder) undoAction(a Action) *Action {
	b.undo = append(b.undo, a)
	return &b.undo[len(b.undo)-1]
}

// freezes holds the funds of every banned account: frozen, never forfeited.
func (b *builder) freezes() {
	var room []policy.Holding
	for k := range b.plan.Decisions {
		d := &b.plan.Decisions[k]
		if d.Penalty != policy.PenaltyBan {
			continue
		}
		acct := &b.gc.Members[b.w.decided[k]].Account
		if len(acct.Holdings) == 0 {
			continue
		}
		if b.split {
			b.skip(FreezeFunds, time.Time{})
			continue
		}
		if room == nil {
			room = make([]policy.Holding, 0, b.bannedHoldings(k))
		}
		start := len(room)
		room = append(room, acct.Holdings...)
		h := room[start:len(room):len(room)]
		b.add(Action{Kind: FreezeFunds, Subject: d.Subject, Violation: d.Violation, Holdings: h,
			Undo: b.undoAction(Action{Kind: ReleaseFunds, Subject: d.Subject, Holdings: h})})
	}
}

// bannedHoldings counts the holdings of the banned accounts from the k-th
// decision on.
func (b *builder) bannedHoldings(k int) int {
	n := 0
	for ; k < len(b.plan.Decisions); k++ {
		if b.plan.Decisions[k].Penalty == policy.PenaltyBan {
			n += len(b.gc.Members[b.w.decided[k]].Account.Holdings)
		}
	}
	return n
}

// penaltyKinds are the actions that give an account and a group each
// penalty, indexed by the penalty; the zero ActionKind for none.
type penaltyKinds [policy.PenaltyClose + 1]ActionKind

func (k *penaltyKinds) of(p policy.Penalty) (ActionKind, bool) {
	if int(p) >= len(k) || k[p] == 0 {
		return 0, false
	}
	return k[p], true
}

var accountKinds = penaltyKinds{
	policy.PenaltyBan: BanAccount, policy.PenaltySuspend: SuspendAccount,
	policy.PenaltyRestrict: RestrictAccount, policy.PenaltyWarn: WarnAccount,
}

var groupKinds = penaltyKinds{
	policy.PenaltyClose: CloseGroup, policy.PenaltySuspend: SuspendGroup,
	policy.PenaltyRestrict: RestrictGroup, policy.PenaltyWarn: WarnGroup,
}

// AccountActionKind returns the action that gives an account the penalty,
// and false for none and close.
func AccountActionKind(p policy.Penalty) (ActionKind, bool) { return accountKinds.of(p) }

// accountKind and groupKind return the action of a penalty the plan takes,
// so a valid one.
func accountKind(p policy.Penalty) ActionKind { k, _ := accountKinds.of(p); return k }
func groupKind(p policy.Penalty) ActionKind   { k, _ := groupKinds.of(p); return k }

func (b *builder) accountActions() {
	for i := range b.plan.Decisions {
		d := &b.plan.Decisions[i]
		if b.split {
			b.skip(accountKind(d.Penalty), d.Until())
			continue
		}
		undo := ReinstateAccount
		if d.Penalty == policy.PenaltyWarn {
			undo = WithdrawWarning
		}
		b.add(Action{Kind: accountKind(d.Penalty), Subject: d.Subject, Violation: d.Violation, Until: d.Until(),
			Undo: b.undoAction(Action{Kind: undo, Subject: d.Subject})})
	}
}

func (b *builder) groupAction() {
	gd := &b.plan.GroupDecision
	if held(gd) {
		b.plan.Held = append(b.plan.Held, *gd)
		return
	}
	if gd.Penalty == policy.PenaltyNone {
		return
	}
	undo := ReopenGroup
	if gd.Penalty == policy.PenaltyWarn {
		undo = WithdrawWarning
	}
	b.add(Action{Kind: groupKind(gd.Penalty), Subject: gd.Subject, Violation: gd.Violation, Until: gd.Until(),
		Undo: b.undoAction(Action{Kind: undo, Subject: gd.Subject})})
}
