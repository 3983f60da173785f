package enforcement

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/groupwarden/warden/policy"
)

// AccountMeasure is what the plan of one group decided against one
// account: the input of account reconciliation. A campaign takes one
// measure per account however many of its groups reach it, so each group
// plan hands its account measures on ([SplitPlan]) and
// [Planner.ReconcileAccount] turns all the measures of an account into its
// one [AccountPlan]. A measure is plain data: it survives JSON and can be
// grouped by account on another machine.
type AccountMeasure struct {
	// Membership is the account as the group's case has it, and its role
	// in that group.
	Membership policy.Membership `json:"membership"`
	// Group and Plan name the group and the plan that decided.
	Group string `json:"group"`
	Plan  string `json:"plan"`
	// GroupPenalty and GroupDuration are the measure against that group
	// (none while due process holds it).
	GroupPenalty  policy.Penalty  `json:"group_penalty"`
	GroupDuration policy.Duration `json:"group_duration,omitempty"`
	// GroupReason is the reason of that measure, which the account's
	// notice tells when the account leads the group.
	GroupReason string `json:"group_reason,omitempty"`
	// Decision is the group plan's decision for the account.
	Decision policy.Decision `json:"decision"`
	// Violations are the deciding violation and every violation of the
	// group attributed to the account.
	Violations []policy.Violation `json:"violations"`
	// NeedsSecondApproval is the group plan's: it touched more accounts
	// than the blast radius, so the account plan this measure decides
	// needs a second approval too.
	NeedsSecondApproval bool `json:"needs_second_approval,omitempty"`
}

// Account returns the id of the account measured.
func (m *AccountMeasure) Account() string { return m.Membership.Account.ID }

// AccountPlan is the one measure a campaign takes against an account,
// with its actions: one freeze per holding for a ban, the account action,
// and one notice covering every group behind it. Its Plan carries the
// deciding decision, the account and the violations (once per group, each
// with its group named, the deciding one first among those of its id), so [Apply] runs it
// and a statement of reasons is built from it like from a group plan
// (one per measure; a warning has none). Its ID, and so every action key,
// depends only on the policy, the campaign, the account and the measure
// (penalty and duration): the same account reached through another group
// or shard gets the same keys, and applying stays exactly-once.
type AccountPlan struct {
	Plan
	Campaign string `json:"campaign"`
	Account  string `json:"account"`
	// Grounds list every group and violation behind the measure, in the
	// order of their groups; the deciding one is Grounds[Deciding].
	Grounds  []AccountGround `json:"grounds"`
	Deciding int             `json:"deciding"`
}

// AccountGround is one group decision behind an account's measure.
type AccountGround struct {
	Group     string          `json:"group"`
	Plan      string          `json:"plan"`
	Role      policy.Role     `json:"role"`
	Violation string          `json:"violation"`
	Category  string          `json:"category"`
	Rule      string          `json:"rule"`
	Penalty   policy.Penalty  `json:"penalty"`
	Duration  policy.Duration `json:"duration,omitempty"`
	Reason    string          `json:"reason"`
}

// SplitPlan separates a group plan into its group part and the measures it
// takes against accounts. The group part keeps the group's decision and
// action, the evidence and reports, the members spared or held, and the
// notices of members without a measure; it loses the account decisions,
// freezes, account actions and notices, which the account plans carry.
// Its actions keep their keys and are numbered again. The group part
// shares the plan's storage; the measures do not.
func SplitPlan(p *Plan) (*Plan, []AccountMeasure) {
	gp := *p
	if len(p.Decisions) == 0 {
		return &gp, nil
	}
	gp.Actions, gp.Notices = slices.Clone(p.Actions), slices.Clone(p.Notices)
	return &gp, splitInPlace(&gp, nil)
}

// splitInPlace turns a plan into its group part, compacting its actions and
// notices in place, and appends its account measures to ms.
func splitInPlace(p *Plan, ms []AccountMeasure) []AccountMeasure {
	if len(p.Decisions) == 0 {
		return ms
	}
	w := &work{}
	w.indexMembers(p)
	ms = appendMeasures(p, ms, w, false)
	// Notify actions come in the order of their notices, so both compact
	// forwards in place.
	k, nk := 0, 0
	for i := range p.Actions {
		a := &p.Actions[i]
		switch {
		case a.Kind == FreezeFunds, isAccountKind(a.Kind):
			continue
		case a.Kind == Notify:
			if w.subjects[a.Subject] {
				continue
			}
			if nk != a.Notice {
				p.Notices[nk] = p.Notices[a.Notice]
			}
			a.Notice = nk
			nk++
		}
		a.Seq = k + 1
		if k != i {
			p.Actions[k] = *a
		}
		k++
	}
	clear(p.Notices[nk:])
	p.Actions, p.Notices, p.Decisions = p.Actions[:k], p.Notices[:nk], p.Decisions[:0]
	return ms
}

// appendMeasures appends the account measures of a plan's decisions to
// ms. The measures of a plan copy their holdings and violations into one
// allocation of each; with share (a campaign, which hands them on or keeps
// them to reconcile), they share the case's holdings, and its violations
// when every measure's violations are one run of the case's and together
// they would copy them at least once over, as every measure shares the
// histories and evidence of its case: a measure then keeps alive no more
// of the case than its copies would take.
func appendMeasures(p *Plan, ms []AccountMeasure, w *work, share bool) []AccountMeasure {
	if len(p.Decisions) == 0 {
		return ms
	}
	groupPenalty, groupDuration, groupReason := p.GroupDecision.Penalty, p.GroupDecision.Duration, p.GroupDecision.Reason
	if held(&p.GroupDecision) || groupPenalty == policy.PenaltyNone {
		groupPenalty, groupDuration, groupReason = policy.PenaltyNone, 0, ""
	}
	var holdings []policy.Holding
	var viols []policy.Violation
	h, v, runs := w.measureSizes(p) // and records each measure's violations
	shareViolations := share && runs && v >= cap(p.Violations)
	if h > 0 && !share {
		holdings = make([]policy.Holding, 0, h)
	}
	if v > 0 && !shareViolations {
		viols = make([]policy.Violation, 0, v)
	}
	for i := range p.Decisions {
		d := &p.Decisions[i]
		ms = append(ms, AccountMeasure{Group: p.Group, Plan: p.ID, GroupPenalty: groupPenalty, GroupDuration: groupDuration, GroupReason: groupReason, Decision: *d,
			NeedsSecondApproval: p.NeedsSecondApproval})
		m := &ms[len(ms)-1]
		if j := w.decided[i]; j >= 0 {
			m.Membership = p.Members[j]
			if hs := p.Members[j].Account.Holdings; share {
				m.Membership.Account.Holdings = hs[:len(hs):len(hs)]
			} else if len(hs) > 0 {
				start := len(holdings)
				holdings = append(holdings, hs...)
				m.Membership.Account.Holdings = holdings[start:len(holdings):len(holdings)]
			} else {
				m.Membership.Account.Holdings = slices.Clone(hs)
			}
		}
		from, to := 0, w.measuredEnds[i]
		if i > 0 {
			from = w.measuredEnds[i-1]
		}
		if from == to {
			continue
		}
		if shareViolations {
			// One run: its first and last index bound it.
			lo, hi := w.measured[from], w.measured[to-1]+1
			m.Violations = p.Violations[lo:hi:hi]
			continue
		}
		start := len(viols)
		for _, vi := range w.measured[from:to] {
			viols = append(viols, p.Violations[vi])
		}
		m.Violations = viols[start:len(viols):len(viols)]
	}
	return ms
}

// indexMembers finds, for a plan built elsewhere, what the builder's work
// knows: the member of each decision (-1 for none), by account id, the
// first listed; and the subjects with a measure.
func (w *work) indexMembers(p *Plan) {
	at := make(map[string]int, len(p.Members))
	for j := len(p.Members) - 1; j >= 0; j-- {
		at[p.Members[j].Account.ID] = j
	}
	of := func(id string) int {
		if j, ok := at[id]; ok {
			return j
		}
		return -1
	}
	for i := range p.Decisions {
		w.decided = append(w.decided, of(p.Decisions[i].Subject))
	}
	w.subjects = make(map[string]bool, len(p.Decisions))
	for i := range p.Decisions {
		w.subjects[p.Decisions[i].Subject] = true
	}
	w.b.nextAct = nil // no chains: measureViolations scans the violations
}

// measureSizes counts the holdings and violations the measures of a plan
// copy, and reports whether the violations of each measure are one run of
// the plan's, in its order. It records them for appendMeasures, so that
// they are found once: w.measured holds every measure's violation indexes
// in turn, w.measuredEnds where each decision's end.
func (w *work) measureSizes(p *Plan) (holdings, violations int, runs bool) {
	runs = true
	w.measured, w.measuredEnds = w.measured[:0], w.measuredEnds[:0]
	for i := range p.Decisions {
		if j := w.decided[i]; j >= 0 {
			holdings += len(p.Members[j].Account.Holdings)
		}
		start := len(w.measured)
		w.measureViolations(p, &p.Decisions[i], func(vi int) {
			if len(w.measured) > start && vi != w.measured[len(w.measured)-1]+1 {
				runs = false
			}
			w.measured = append(w.measured, vi)
		})
		w.measuredEnds = append(w.measuredEnds, len(w.measured))
	}
	return holdings, len(w.measured), runs
}

// measureViolations calls each, in the plan's order, with the index of the
// deciding violation of a decision and of every violation of the plan
// attributed to its subject. With the builder's chains of acts, it visits
// only those.
func (w *work) measureViolations(p *Plan, d *policy.Decision, each func(int)) {
	b := &w.b
	first, ok := b.actsOf(d.Subject)
	if b.nextAct == nil || len(b.nextAct) != len(p.Violations) || !ok {
		for i := range p.Violations {
			if v := &p.Violations[i]; v.ID == d.Violation || v.Actor == d.Subject {
				each(i)
			}
		}
		return
	}
	// The deciding violation is nearly always the subject's own; when it
	// is another's it takes its place in the order among them.
	other := -1
	if d.Violation != "" {
		other = -2 // not among the subject's acts, not found yet
		for vi := first; vi >= 0; vi = b.nextAct[vi] {
			if p.Violations[vi].ID == d.Violation {
				other = -1
				break
			}
		}
	}
	if other == -2 {
		other = slices.IndexFunc(p.Violations, func(v policy.Violation) bool { return v.ID == d.Violation })
	}
	for vi := first; vi >= 0; vi = b.nextAct[vi] {
		if other >= 0 && other < vi {
			each(other)
			other = -1
		}
		each(vi)
	}
	if other >= 0 {
		each(other)
	}
}

func isAccountKind(k ActionKind) bool {
	return k == BanAccount || k == SuspendAccount || k == RestrictAccount || k == WarnAccount
}

// ErrInvalidMeasures is wrapped by the errors of [Planner.ReconcileAccount]
// for measures that cannot be one account's, with a *policy.Problem whose
// path indexes the measures as given (measures[2].decision.penalty) and
// whose code is one of the Code… constants below, or [CodeLimit] and
// [CodeAmount] for holdings beyond what a case may hold.
var ErrInvalidMeasures = errors.New("invalid account measures")

// The codes of the problems with account measures.
const (
	CodeNoMeasures        policy.Code = "no-measures"         // nothing to reconcile
	CodeOtherAccount      policy.Code = "other-account"       // a measure against another account
	CodeOtherPolicy       policy.Code = "other-policy"        // a measure decided under another policy
	CodeNotAccountPenalty policy.Code = "not-account-penalty" // none or close is not a measure against an account
)

func measureErr(c Campaign, path string, code policy.Code, format string, args ...any) error {
	return fmt.Errorf("%w: campaign %s: %w", ErrInvalidMeasures, c.Name,
		&policy.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// checkMeasures refuses measures that cannot be one account's.
func (p *Planner) checkMeasures(c Campaign, ms []AccountMeasure) error {
	if len(ms) == 0 {
		return measureErr(c, "measures", CodeNoMeasures, "no measures to reconcile")
	}
	digest := p.engine.Policy().Digest
	for i := range ms {
		m, at := &ms[i], policy.IndexPath("measures", i)
		switch {
		case m.Account() != ms[0].Account():
			return measureErr(c, policy.JoinPath(at, "membership.account.id"), CodeOtherAccount, "a measure against %s among those against %s", m.Account(), ms[0].Account())
		case m.Decision.Policy.Digest != digest:
			return measureErr(c, policy.JoinPath(at, "decision.policy.digest"), CodeOtherPolicy, "plan %s decided under policy %s, not %s", m.Plan, m.Decision.Policy.Digest, digest)
		case !isAccountPenalty(m.Decision.Penalty):
			return measureErr(c, policy.JoinPath(at, "decision.penalty"), CodeNotAccountPenalty, "plan %s measures %s with %s", m.Plan, m.Account(), m.Decision.Penalty)
		case len(m.Membership.Account.Holdings) > MaxHoldings:
			return measureErr(c, policy.JoinPath(at, "membership.account.holdings"), CodeLimit, "%d holdings, more than MaxHoldings (%d)", len(m.Membership.Account.Holdings), MaxHoldings)
		}
		for j, h := range m.Membership.Account.Holdings {
			if h.Amount < 0 || h.Amount > MaxAmount {
				return measureErr(c, policy.JoinPath(policy.IndexPath(policy.JoinPath(at, "membership.account.holdings"), j), "amount"), CodeAmount,
					"%d is outside 0 … MaxAmount (%d)", h.Amount, MaxAmount)
			}
		}
	}
	return nil
}

func isAccountPenalty(p policy.Penalty) bool { _, ok := accountKinds.of(p); return ok }

// ReconcileAccount turns every measure a campaign's group plans took
// against one account into the account's one plan: the heaviest measure
// (a higher level, then a longer duration, then, as in the engine, the
// earlier rule of the policy; then the earlier decision and the smaller
// group id), with every group and violation behind it. The measures may
// come in any order and more than once: the result depends only on the
// set. It returns an error, and no plan, for no measures, measures of two
// accounts, or measures under another policy than the planner's.
func (p *Planner) ReconcileAccount(c Campaign, measures []AccountMeasure) (*AccountPlan, error) {
	if err := p.checkMeasures(c, measures); err != nil {
		return nil, err
	}
	byGroup := func(a, b *AccountMeasure) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Plan, b.Plan))
	}
	// Measures in order, each once (one alone, most often), are read as
	// they are; the others are sorted apart.
	ms := measures
	for i := 1; i < len(ms); i++ {
		if byGroup(&ms[i-1], &ms[i]) >= 0 {
			ms = slices.Clone(measures)
			slices.SortFunc(ms, func(a, b AccountMeasure) int { return byGroup(&a, &b) })
			ms = slices.CompactFunc(ms, func(a, b AccountMeasure) bool { return a.Group == b.Group && a.Plan == b.Plan })
			break
		}
	}
	account, digest := ms[0].Account(), p.engine.Policy().Digest
	best := 0
	for i := range ms {
		if p.outranks(&ms[i].Decision, &ms[best].Decision) {
			best = i
		}
	}
	top := &ms[best]
	d := top.Decision
	ap := &AccountPlan{Campaign: c.Name, Account: account, Deciding: best}
	ap.ID = accountPlanID(digest, c.Name, account, d.Penalty, d.Duration)
	ap.Policy, ap.At = d.Policy, d.At
	ap.Members = []policy.Membership{top.Membership}
	ap.Decisions = []policy.Decision{d}
	ap.Touched = 1
	// The measure is the deciding group plan's, and so is its need of a
	// second approval: splitting a plan over the blast radius into account
	// plans does not let its measures through without one.
	ap.NeedsSecondApproval = top.NeedsSecondApproval
	ap.PendingReview = nil
	ap.Grounds = make([]AccountGround, 0, len(ms))
	violations := 0
	for i := range ms {
		violations += len(ms[i].Violations)
	}
	if violations > 0 {
		ap.Violations = make([]policy.Violation, 0, violations)
	}
	// A violation id names a violation within its group only: two groups
	// may both have a v1. Each violation is kept once per group, with its
	// group named (empty means the case's).
	seen := map[[2]string]bool{}
	for i := range ms {
		m := &ms[i]
		ap.Grounds = append(ap.Grounds, AccountGround{Group: m.Group, Plan: m.Plan, Role: m.Membership.Role, Violation: m.Decision.Violation,
			Category: m.Decision.Category, Rule: m.Decision.Rule, Penalty: m.Decision.Penalty, Duration: m.Decision.Duration, Reason: m.Decision.Reason})
		for _, v := range m.Violations {
			if v.Group == "" {
				v.Group = m.Group
			}
			if k := [2]string{v.Group, v.ID}; !seen[k] {
				seen[k] = true
				ap.Violations = append(ap.Violations, v)
			}
		}
		if m.Decision.PendingReview && len(ap.PendingReview) == 0 {
			ap.PendingReview = []string{account}
		}
	}

	decidingFirst(ap.Violations, top.Group, d.Violation)

	kind := accountKind(d.Penalty)
	var frozen []policy.Holding
	if d.Penalty == policy.PenaltyBan {
		frozen = distinctHoldings(top.Membership.Account.Holdings)
	}
	// The actions and their undos, in one allocation each.
	ap.Actions = make([]Action, 0, len(frozen)+2)
	undos := make([]Action, 0, len(frozen)+1)
	undoOf := func(a Action) *Action {
		undos = append(undos, a)
		return &undos[len(undos)-1]
	}
	for i := range frozen {
		hs := frozen[i : i+1 : i+1]
		key := ap.ID + "-freeze-" + holdingKey(frozen[i])
		ap.Actions = append(ap.Actions, Action{Key: key, Kind: FreezeFunds, Subject: account, Violation: d.Violation, Holdings: hs,
			Undo: undoOf(Action{Key: key + "-undo", Kind: ReleaseFunds, Subject: account, Holdings: hs})})
	}
	undo := ReinstateAccount
	if d.Penalty == policy.PenaltyWarn {
		undo = WithdrawWarning
	}
	key := ap.ID + "-" + kind.String()
	ap.Actions = append(ap.Actions, Action{Key: key, Kind: kind, Subject: account, Violation: d.Violation, Until: d.Until(),
		Undo: undoOf(Action{Key: key + "-undo", Kind: undo, Subject: account})})
	ap.Notices = []Notice{p.accountNotice(ap, ms, top)}
	ap.Actions = append(ap.Actions, Action{Key: ap.ID + "-notify", Kind: Notify, Subject: account})
	for i := range ap.Actions {
		ap.Actions[i].Seq = i + 1
	}
	return ap, nil
}

// decidingFirst moves the deciding violation, of the given group and id,
// before any violation of another group with the same id, so that whoever
// finds the decision's violation by its id in the plan (a statement of
// reasons does) finds the one that decided. Violations with ids of their
// own keep their order.
func decidingFirst(vs []policy.Violation, group, id string) {
	first := slices.IndexFunc(vs, func(v policy.Violation) bool { return v.ID == id })
	if first < 0 || vs[first].Group == group {
		return
	}
	at := slices.IndexFunc(vs[first:], func(v policy.Violation) bool { return v.ID == id && v.Group == group })
	if at < 0 {
		return
	}
	v := vs[first+at]
	copy(vs[first+1:first+at+1], vs[first:first+at])
	vs[first] = v
}

// outranks orders account decisions as the engine orders matches, and
// then by time and group so that the order is total.
func (p *Planner) outranks(a, b *policy.Decision) bool {
	if la, lb := a.Penalty.Level(), b.Penalty.Level(); la != lb {
		return la > lb
	}
	if a.Duration != b.Duration {
		return a.Duration > b.Duration
	}
	if a.Rule != b.Rule {
		if ra, rb := p.ruleIndex(a.Rule), p.ruleIndex(b.Rule); ra != rb {
			return ra < rb
		}
	}
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return false // the earlier group, by the sort
}

// ruleIndex returns the place of a rule in the policy (past the end for
// none). Only ties of level and duration between two rules need it.
func (p *Planner) ruleIndex(id string) int {
	rules := p.engine.Rules()
	for i, r := range rules {
		if r.ID == id {
			return i
		}
	}
	return len(rules)
}

// accountPlanID hashes what an account plan stands for: the policy, the
// campaign, the account and the measure.
func accountPlanID(digest, campaign, account string, pen policy.Penalty, dur policy.Duration) string {
	var buf [256]byte
	b := appendStr(buf[:0], digest)
	b = appendStr(b, campaign)
	b = appendStr(b, account)
	b = appendNum(b, int64(pen))
	b = appendNum(b, int64(dur))
	sum := sha256.Sum256(b)
	var id [len("acct-") + 24]byte
	copy(id[:], "acct-")
	hex.Encode(id[len("acct-"):], sum[:12])
	return string(id[:])
}

// distinctHoldings returns the holdings once each, by kind, currency and
// product, in a stable order; a holding listed more than once (two wallet
// rows in one currency) holds the sum of its amounts, so that all of the
// money is frozen. checkMeasures bounds the amounts, so sums never
// overflow.
func distinctHoldings(hs []policy.Holding) []policy.Holding {
	out := slices.Clone(hs)
	slices.SortStableFunc(out, compareHoldings)
	k := 0
	for i := range out {
		if k > 0 && compareHoldings(out[k-1], out[i]) == 0 {
			out[k-1].Amount += out[i].Amount
			continue
		}
		out[k] = out[i]
		k++
	}
	return out[:k]
}

// compareHoldings orders holdings by what they are (kind, currency,
// product), not by how much they hold: 0 for two rows of one holding.
func compareHoldings(a, b policy.Holding) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Currency, b.Currency), strings.Compare(a.Product, b.Product))
}

func holdingKey(h policy.Holding) string {
	var buf [128]byte
	b := appendNum(buf[:0], int64(h.Kind))
	b = appendStr(b, h.Currency)
	b = appendStr(b, h.Product)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// accountNotice writes the one notice of an account plan: the deciding
// group and its measure, every act attributed to the account in any of
// the groups, and the reason of each group's decision.
func (p *Planner) accountNotice(ap *AccountPlan, ms []AccountMeasure, top *AccountMeasure) Notice {
	d := &ap.Decisions[0]
	n := Notice{To: ap.Account, Role: top.Membership.Role, Group: top.Group, GroupPenalty: top.GroupPenalty,
		Penalty: d.Penalty, Duration: d.Duration, Until: d.Until(), Appeal: d.Appeal, PendingReview: len(ap.PendingReview) > 0}
	if top.GroupPenalty != policy.PenaltyNone {
		n.GroupDuration = top.GroupDuration
		if top.Membership.Role.Leads() {
			n.GroupReason = top.GroupReason // as a group plan tells its leaders
		}
	}
	for _, v := range ap.Violations {
		if v.Actor != ap.Account {
			continue
		}
		switch r := v.LatestReviewAt(ap.At); {
		case v.Automated() && r != nil && r.Verdict == policy.VerdictConfirmed:
			n.Acts = append(n.Acts, fmt.Sprintf("%s (%s, group %s)", v.ID, v.Category, v.Group))
		case r == nil || r.Verdict != policy.VerdictRejected:
			n.UnderReview = append(n.UnderReview, fmt.Sprintf("%s (%s, group %s)", v.ID, v.Category, v.Group))
		}
	}
	n.Audience = AudienceActors
	if top.Membership.Role.Leads() {
		n.Audience = AudienceLeaders
	}
	for i := range ms {
		m := &ms[i]
		if m.Group != top.Group && m.GroupPenalty != policy.PenaltyNone && (i == 0 || m.Group != ms[i-1].Group) {
			// The group plan leaves out the notice of an account with a
			// measure: what was done to its other groups is told here, and
			// why to their leaders.
			told := fmt.Sprintf("Group %s %s.", m.Group, groupMeasure(m.GroupPenalty, m.GroupDuration))
			if m.Membership.Role.Leads() && m.GroupReason != "" {
				told += " " + m.GroupReason
			}
			n.Reasons = append(n.Reasons, told)
		}
		md := &m.Decision
		n.Reasons = append(n.Reasons, fmt.Sprintf("In group %s: %s Ground (%s): %s.", m.Group, md.Reason, md.Ground.Kind, strings.TrimSuffix(md.Ground.Reference, ".")))
	}
	if d.Penalty == policy.PenaltyBan {
		n.Funds = p.fundsLines(top.Membership.Account)
	}
	return n
}

// Reconciler gathers the account measures of a campaign, from one run or
// from many shards, until [Planner.Reconcile] turns them into one plan per
// account. Its memory grows with the measures it holds, that is with the
// accounts penalised (times the groups that reach each), never with the
// groups or members planned. A measure added twice (the same plan and
// account) is kept once. It is safe for concurrent use.
type Reconciler struct {
	mu sync.Mutex
	// accounts holds the place in measures of each account's measures, so
	// that a measure of an account already held costs one lookup.
	accounts map[string]int
	measures [][]AccountMeasure
	n        int
}

// NewReconciler returns an empty reconciler.
func NewReconciler() *Reconciler { return &Reconciler{accounts: map[string]int{}} }

// Add keeps a measure until reconciliation.
func (r *Reconciler) Add(m AccountMeasure) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(&m)
	return nil
}

// addAll keeps the measures of one plan, as Add does each.
func (r *Reconciler) addAll(ms []AccountMeasure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range ms {
		r.add(&ms[i])
	}
}

func (r *Reconciler) add(m *AccountMeasure) {
	acct := m.Account()
	at, ok := r.accounts[acct]
	if !ok {
		at = len(r.measures)
		r.accounts[acct] = at
		r.measures = append(r.measures, nil)
	}
	held := r.measures[at]
	for i := range held {
		if held[i].Plan == m.Plan {
			return
		}
	}
	r.measures[at] = append(held, *m)
	r.n++
}

// Merge adds every measure of o.
func (r *Reconciler) Merge(o *Reconciler) {
	for _, m := range o.Measures() {
		_ = r.Add(m)
	}
}

// Accounts returns how many accounts have a measure.
func (r *Reconciler) Accounts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.accounts)
}

// Measures returns every measure held, by account and then by plan: what a
// checkpoint stores.
func (r *Reconciler) Measures() []AccountMeasure {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]AccountMeasure, 0, r.n)
	for _, acct := range slices.Sorted(maps.Keys(r.accounts)) {
		ms := slices.Clone(r.measures[r.accounts[acct]])
		slices.SortFunc(ms, func(a, b AccountMeasure) int { return strings.Compare(a.Plan, b.Plan) })
		out = append(out, ms...)
	}
	return out
}

// Reconcile turns the measures of rec into one account plan per account,
// in the order of the accounts, counts each in report, and calls each
// (when not nil) with it; an error from each stops it. It ends with the
// context, returning its cause. The plans are built ahead on GOMAXPROCS
// goroutines (at most MaxWorkers), a run of 32 accounts at a time, with at
// most 2w+2 runs in memory at once for w goroutines; they are counted and
// handed on one at a time, in order, on the goroutine that called
// Reconcile. A panic while building a plan is raised again on that
// goroutine, as a [*GoroutinePanic], once the others have returned.
func (p *Planner) Reconcile(ctx context.Context, c Campaign, rec *Reconciler, report *Report, each func(*AccountPlan) error) error {
	return p.reconcile(ctx, c, rec, report, each, min(runtime.GOMAXPROCS(0), MaxWorkers))
}

// testHookReconcile, set by tests only, sees each account a worker of
// Reconcile is about to build the plan of.
var testHookReconcile func(string)

// reconcileRun is how many accounts a worker of Reconcile builds the plans
// of at a time.
const reconcileRun = 32

// accountRun is the plans of accounts[from:], as far as they go: up to
// reconcileRun, or to the account whose measures err, or to where the run
// ended.
type accountRun struct {
	from  int
	plans []*AccountPlan
	err   error
	done  chan struct{}
}

// buildRun builds the plans of run r on a worker of Reconcile, and tells
// the delivery it is done, even when building panics: the panic is
// recorded in pn for Reconcile to raise, which stops it.
func (p *Planner) buildRun(ctx context.Context, c Campaign, rec *Reconciler, accounts []string, r *accountRun, pn *panics) {
	defer func() { r.done <- struct{}{} }()
	defer pn.catch() // first
	for _, acct := range accounts[r.from:min(r.from+reconcileRun, len(accounts))] {
		if ctx.Err() != nil {
			return
		}
		if testHookReconcile != nil {
			testHookReconcile(acct)
		}
		ap, err := p.ReconcileAccount(c, rec.measuresOf(acct))
		if err != nil {
			r.err = err
			return
		}
		r.plans = append(r.plans, ap)
	}
}

// reconcile is Reconcile with workers building the plans.
func (p *Planner) reconcile(ctx context.Context, c Campaign, rec *Reconciler, report *Report, each func(*AccountPlan) error, workers int) error {
	rec.mu.Lock()
	accounts := slices.Sorted(maps.Keys(rec.accounts))
	rec.mu.Unlock()
	defer report.refresh()
	build, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	pn := newPanics(cancel)
	defer func() {
		cancel()
		wg.Wait()
		pn.raise() // a panic of a worker's, on the caller's goroutine
	}()
	jobs := make(chan *accountRun, 2*workers)
	order := make(chan *accountRun, 2*workers)
	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		for from := 0; from < len(accounts); from += reconcileRun {
			r := &accountRun{from: from, done: make(chan struct{}, 1)}
			select {
			case order <- r:
			case <-build.Done():
				return
			}
			jobs <- r // the workers drain jobs until it closes
		}
	})
	for range workers {
		wg.Go(func() {
			for r := range jobs {
				p.buildRun(build, c, rec, accounts, r, pn)
			}
		})
	}
	ended := func() error {
		return fmt.Errorf("campaign %s: reconciling accounts: %w", c.Name, context.Cause(ctx))
	}
	handed := 0
	for r := range order {
		if pn.wait(r.done) {
			return nil // the deferred raise panics
		}
		for i, ap := range r.plans {
			if ctx.Err() != nil {
				return ended()
			}
			acct := accounts[r.from+i]
			if err := report.checkFreezes(&ap.Plan); err != nil {
				return fmt.Errorf("campaign %s: account %s: %w", c.Name, acct, err)
			}
			report.addDecisions(&ap.Plan)
			if each != nil {
				if err := each(ap); err != nil {
					return fmt.Errorf("campaign %s: account %s: %w", c.Name, acct, err)
				}
			}
			handed++
		}
		if len(r.plans) < min(reconcileRun, len(accounts)-r.from) {
			// The run stopped short: at the account whose measures err,
			// or where the context ended (an error and an end at once
			// tell the end).
			if ctx.Err() != nil || r.err == nil {
				return ended()
			}
			return r.err
		}
	}
	if handed < len(accounts) {
		// The runs stopped coming: the context ended before the next one
		// was made.
		return ended()
	}
	return nil
}

// measuresOf returns the measures held for an account.
func (r *Reconciler) measuresOf(account string) []AccountMeasure {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.accounts[account]; ok {
		return r.measures[at]
	}
	return nil
}
