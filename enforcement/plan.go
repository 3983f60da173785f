package enforcement

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

// GroupCase is a group with everyone in it and what was found there: the
// input of a plan. It is [policy.GroupCase].
type GroupCase = policy.GroupCase

// DefaultRetention is how long evidence behind a penalty is kept when no
// law asks for longer: a year, past the six months of log retention that
// group-service rules ask for and past the six-month appeal window, so the
// evidence outlives the appeals against it. Evidence of reported child
// sexual abuse material is kept a calendar year at least (18 U.S.C. 2258A).
const DefaultRetention = 365 * 24 * time.Hour

// Plan is what to do about one group case: the decisions, the ordered
// actions that carry them out, the obligations they create, the members
// spared, and a notice for everyone. The same policy and case give a
// byte-identical plan.
type Plan struct {
	// ID identifies the plan: a hash of the policy digest and the canonical
	// form of the whole case, so the order of unordered fields does not
	// count. It prefixes every action key.
	ID     string           `json:"id"`
	Group  string           `json:"group"`
	Policy policy.PolicyRef `json:"policy"`
	At     time.Time        `json:"at"`
	// Members and Violations are the case the plan was built from, for
	// statements of reasons and appeals; Members in the plan's order.
	Members    []policy.Membership `json:"members"`
	Violations []policy.Violation  `json:"violations"`
	// GroupDecision is the decision for the group itself.
	GroupDecision policy.Decision `json:"group_decision"`
	// Decisions are the decisions for the accounts with a penalty above
	// none, in the order of Members.
	Decisions   []policy.Decision `json:"decisions,omitempty"`
	Actions     []Action          `json:"actions"`
	Obligations []Obligation      `json:"obligations,omitempty"`
	Spared      []Spared          `json:"spared,omitempty"`
	Notices     []Notice          `json:"notices,omitempty"`
	// Held lists decisions whose penalty is not applied yet because a
	// person must complete them first: the due-process guard held them, or
	// a rule failed for their subject (the decision's Errors say which and
	// why; its penalty, none included, is what the other rules gave). The
	// group's decision is among them when it is held.
	Held []policy.Decision `json:"held,omitempty"`
	// PendingReview lists the subjects (group or accounts) whose decision
	// waits for a manual review that may make it heavier.
	PendingReview []string `json:"pending_review,omitempty"`
	// Touched counts the accounts the plan acts against.
	Touched int `json:"touched"`
	// NeedsSecondApproval is set when Touched exceeds the policy's blast
	// radius (for an [AccountPlan], when the group plan of its deciding
	// measure's did); Apply then refuses the plan until Approve is called.
	NeedsSecondApproval bool   `json:"needs_second_approval,omitempty"`
	ApprovedBy          string `json:"approved_by,omitempty"`
}

// Approve records the second approval a plan over the blast radius needs.
func (p *Plan) Approve(approver string) error {
	if approver == "" {
		return errors.New("enforcement: an approval names the person who gives it")
	}
	p.ApprovedBy = approver
	return nil
}

// Spared is a member the plan does not act against, and why.
type Spared struct {
	Account string      `json:"account"`
	Role    policy.Role `json:"role"`
	Reason  string      `json:"reason"`
}

// ObligationKind is a duty that a plan creates beyond its actions.
type ObligationKind uint8

// Obligation is a duty created by a verified violation.
type Obligation struct {
	Kind      ObligationKind `json:"kind"`
	Violation string         `json:"violation"`
	// Until is the earliest time the evidence may be deleted (retain),
	// counted from the plan's time; an executor that reports later keeps the
	// evidence a year from its report.
	Until time.Time `json:"until,omitzero"`
	Basis string    `json:"basis"`
}

// ErrInvalidGroupCase is [policy.ErrInvalidCase], which every error Plan
// returns for a malformed group case wraps, with the [*policy.Problem]
// that says what and where.
var ErrInvalidGroupCase = policy.ErrInvalidCase

// Planner builds plans with one policy engine. It is immutable and safe for
// concurrent use.
type Planner struct {
	engine *policy.Engine
	routes []FundsRoute
	// csam holds the policy's categories of child sexual abuse material.
	csam map[string]bool
}

// NewPlanner returns a planner that decides with engine.
func NewPlanner(engine *policy.Engine, opts ...PlannerOption) *Planner {
	p := &Planner{engine: engine, routes: defaultFundsRoutes, csam: csamCategories(engine)}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Plan decides the group and each of its members and returns the plan that
// carries the decisions out. It returns an error, and no plan, for a
// malformed case or when the context ends.
func (p *Planner) Plan(ctx context.Context, gc GroupCase) (*Plan, error) {
	w := workPool.Get().(*work)
	defer w.release()
	plan := &Plan{}
	if err := p.planInto(ctx, gc, plan, w); err != nil {
		return nil, err
	}
	return plan, nil
}

// planInto builds the plan of a case into plan, reusing the storage of its
// slices (a campaign recycles plans once they are reported) and the scratch
// space of w.
func (p *Planner) planInto(ctx context.Context, gc GroupCase, plan *Plan, w *work) error {
	if err := w.checkLimits(&gc); err != nil {
		return err
	}
	gc.Members = canonicalMembers(gc.Members)
	// The decisions are scratch space: the plan keeps copies of the ones
	// it acts on, and the next case overwrites them.
	decisions, err := p.engine.DecideGroup(ctx, gc, w.decisions[:0])
	w.decisions = decisions
	if err != nil {
		return err
	}
	p.build(gc, decisions[0], decisions[1:], plan, w)
	matches := 0
	for i := range decisions {
		matches += len(decisions[i].Matches)
	}
	switch {
	case cap(w.decisions) > maxKeptDecisions:
		// The room of a very large case is not kept for the next ones,
		// nor what its decisions point to.
		w.decisions = nil
	case matches > maxKeptMatches:
		// Nor the many matches of a case of many leaders and violations,
		// which the next case would keep alive until it wrote over them.
		clear(w.decisions)
	}
	return checkEnds(plan, w)
}

// maxKeptDecisions is the most decisions whose room a work keeps from one
// case to the next, and maxKeptMatches the most matches it lets them keep
// alive.
const maxKeptDecisions, maxKeptMatches = 1024, 4096

// compareMembers orders members as plans list them: the owner, the
// administrators, then the members, each by account id.
func compareMembers(a, b policy.Membership) int { return compareMembersAt(&a, &b) }

// compareMembersAt is compareMembers on members in place, not copied.
func compareMembersAt(a, b *policy.Membership) int {
	if a.Role != b.Role {
		return cmp.Compare(a.Role, b.Role)
	}
	return strings.Compare(a.Account.ID, b.Account.ID)
}

// canonicalMembers returns the members in the plan's order: the member
// list has no order of its own, so its order changes neither the plan nor
// its id. A list already in order is returned as it is.
func canonicalMembers(ms []policy.Membership) []policy.Membership {
	if membersInOrder(ms) {
		return ms
	}
	ms = slices.Clone(ms)
	slices.SortFunc(ms, compareMembers)
	return ms
}

// membersInOrder reports whether the members are in the plan's order,
// comparing them in place.
func membersInOrder(ms []policy.Membership) bool {
	for i := 1; i < len(ms); i++ {
		if compareMembersAt(&ms[i-1], &ms[i]) > 0 {
			return false
		}
	}
	return true
}

// canon writes the canonical form of a case for its hash: every string
// with its length, every number as a varint, every time as its full
// seconds and nanoseconds (never UnixNano, which wraps), and every field
// whose order has no meaning (admins, histories, holdings) as a sorted set.
type canon struct {
	b       []byte
	scratch []byte
	ends    []int
	parts   [][]byte
}

func (c *canon) str(s string) { c.b = appendStr(c.b, s) }

// num writes n as binary.AppendVarint does, with the one byte of a small
// number written at once.
func (c *canon) num(n int64) { c.b = appendNum(c.b, n) }

func (c *canon) time(t time.Time) { c.b = appendTime(c.b, t) }

// appendStr, appendNum and appendTime write as str, num and time do, to a
// slice the caller keeps in a local variable on its hot paths.
func appendStr(b []byte, s string) []byte {
	return append(appendUvarint(b, uint64(len(s))), s...)
}

func appendNum(b []byte, n int64) []byte { return appendUvarint(b, uint64(n<<1)^uint64(n>>63)) }

func appendUvarint(b []byte, u uint64) []byte {
	if u < 0x80 {
		return append(b, byte(u))
	}
	return binary.AppendUvarint(b, u)
}

func appendTime(b []byte, t time.Time) []byte {
	return appendNum(appendNum(b, t.Unix()), int64(t.Nanosecond()))
}
func (c *canon) flag(b bool) { c.num(boolInt(b)) }

// set writes n elements as a sorted set: each is encoded on its own by
// enc, and the encodings are written in byte order, so that the order the
// caller gave them in does not count. enc must not call set.
func (c *canon) set(n int, enc func(i int)) {
	c.num(int64(n))
	if n == 0 {
		return
	}
	if n == 1 {
		enc(0)
		return
	}
	// Encode each element at the end of b, then move the encodings aside
	// and write them back sorted.
	start := len(c.b)
	c.ends = c.ends[:0]
	for i := range n {
		enc(i)
		c.ends = append(c.ends, len(c.b))
	}
	c.scratch = append(c.scratch[:0], c.b[start:]...)
	c.parts = c.parts[:0]
	from := 0
	for _, end := range c.ends {
		c.parts = append(c.parts, c.scratch[from:end-start])
		from = end - start
	}
	slices.SortFunc(c.parts, bytes.Compare)
	c.b = c.b[:start]
	for _, p := range c.parts {
		c.b = append(c.b, p...)
	}
}

func (c *canon) history(rs []policy.Record) {
	c.set(len(rs), func(i int) {
		r := &rs[i]
		c.time(r.At)
		c.num(int64(r.Penalty))
		c.str(r.Category)
		c.str(r.Rule)
	})
}

func (c *canon) holding(hd *policy.Holding) { c.b = appendHolding(c.b, hd) }

func appendHolding(b []byte, hd *policy.Holding) []byte {
	b = appendNum(b, int64(hd.Kind))
	b = appendNum(b, hd.Amount)
	b = appendStr(b, hd.Currency)
	return appendStr(b, hd.Product)
}

// planID derives a plan's identity from everything that decides it: the
// policy digest and the whole case in its canonical form (see canon), with
// the members in the order the plan lists them. Two different cases never
// share a plan id, so they never share an action key; the same case with
// its unordered fields in another order has the same id. c is scratch
// space.
func planID(gc *GroupCase, digest string, c *canon) string {
	c.b = c.b[:0]
	c.str(digest)
	g := &gc.Group
	c.str(g.ID)
	c.str(g.Owner)
	c.set(len(g.Admins), func(i int) { c.str(g.Admins[i]) })
	c.num(int64(g.Members))
	c.time(g.Created)
	c.num(0) // where a group status was, so that plan ids and action keys stay as they were
	c.history(g.History)
	c.time(gc.Now)
	c.num(int64(len(gc.Members)))
	b := c.b
	for i := range gc.Members {
		m := &gc.Members[i]
		a := &m.Account
		b = appendStr(b, a.ID)
		b = appendNum(b, int64(m.Role))
		b = appendNum(b, int64(a.Type))
		// The holder of record rides on the verified flag, so plans of
		// accounts without one keep their ids.
		if a.Holder == "" {
			b = appendNum(b, boolInt(a.RealNameVerified))
		} else {
			b = appendNum(b, 2+boolInt(a.RealNameVerified))
			b = appendStr(b, a.Holder)
		}
		b = appendTime(b, a.Created)
		if len(a.History) == 0 && len(a.Holdings) <= 1 {
			// What c.history and c.set write for an empty history and at
			// most one holding, without their closures: most members.
			b = append(b, 0)
			b = appendNum(b, int64(len(a.Holdings)))
			if len(a.Holdings) == 1 {
				b = appendHolding(b, &a.Holdings[0])
			}
			continue
		}
		c.b = b
		c.history(a.History)
		c.set(len(a.Holdings), func(i int) { c.holding(&a.Holdings[i]) })
		b = c.b
	}
	// Violations, evidence and reviews keep their order: ties between
	// equal matches go to the earlier violation, and between reviews made
	// at the same time to the later one.
	b = appendNum(b, int64(len(gc.Violations)))
	for i := range gc.Violations {
		v := &gc.Violations[i]
		b = appendStr(b, v.ID)
		b = appendStr(b, v.Category)
		b = appendNum(b, int64(v.Severity))
		b = appendStr(b, v.Actor)
		b = appendStr(b, v.Group)
		b = appendTime(b, v.Committed)
		b = appendTime(b, v.Detected)
		b = appendNum(b, int64(len(v.Evidence.Identifications)))
		for j := range v.Evidence.Identifications {
			id := &v.Evidence.Identifications[j]
			b = appendNum(b, int64(id.Method))
			b = binary.AppendUvarint(b, math.Float64bits(id.Confidence))
			b = appendTime(b, id.At)
			b = appendStr(b, id.Reference)
		}
		b = appendNum(b, int64(len(v.Evidence.Reports)))
		for j := range v.Evidence.Reports {
			r := &v.Evidence.Reports[j]
			b = appendNum(b, int64(r.Source))
			b = appendTime(b, r.At)
			b = appendStr(b, r.Reference)
		}
		b = appendNum(b, int64(len(v.Reviews)))
		for j := range v.Reviews {
			r := &v.Reviews[j]
			b = appendStr(b, r.Reviewer)
			b = appendNum(b, int64(r.Verdict))
			b = appendTime(b, r.At)
			b = appendStr(b, r.Note)
		}
	}
	c.b = b
	sum := sha256.Sum256(c.b)
	var id [len("plan-") + 24]byte
	copy(id[:], "plan-")
	hex.Encode(id[len("plan-"):], sum[:12])
	return string(id[:])
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// build turns the decisions into a plan, in place, with w as scratch space.
func (p *Planner) build(gc GroupCase, gd policy.Decision, decisions []policy.Decision, plan *Plan, w *work) {
	n := len(gc.Members)
	*plan = Plan{
		ID: planID(&gc, gd.Policy.Digest, &w.canon), Group: gc.Group.ID, Policy: gd.Policy, At: gc.Now,
		Members: gc.Members, Violations: gc.Violations, GroupDecision: gd,
		Decisions:     plan.Decisions[:0],
		Notices:       slices.Grow(plan.Notices[:0], n),
		Spared:        slices.Grow(plan.Spared[:0], n),
		Actions:       plan.Actions[:0],
		Obligations:   plan.Obligations[:0],
		Held:          plan.Held[:0],
		PendingReview: plan.PendingReview[:0],
	}
	w.gc = gc // kept in the work, so that the builder's pointer to it does not move the case to the heap
	b := w.builder(p, &w.gc, plan)
	groupPenalty := gd.Penalty
	if held(&gd) {
		groupPenalty = policy.PenaltyNone // not applied until a person completes it
	}
	bystander := bystanderReason(groupPenalty)
	if gd.PendingReview {
		plan.PendingReview = append(plan.PendingReview, gc.Group.ID)
	}
	for i := range decisions {
		d, m := &decisions[i], &gc.Members[i]
		switch {
		case held(d):
			// Before spared: a rule that failed for the account may be the
			// one that would have penalised it.
			plan.Held = append(plan.Held, *d)
		case d.Penalty == policy.PenaltyNone:
			// The room was made for every member.
			plan.Spared = append(plan.Spared, Spared{Account: m.Account.ID, Role: m.Role, Reason: sparedReason(d, groupPenalty, bystander)})
		default:
			plan.Decisions = append(plan.Decisions, *d)
			w.decided = append(w.decided, i)
			plan.Touched++
		}
		if d.PendingReview {
			plan.PendingReview = append(plan.PendingReview, m.Account.ID)
		}
	}
	// Evidence and a report per violation, a freeze and a measure per
	// decision, the group's measure, a notice per member.
	plan.Actions = slices.Grow(plan.Actions, 2*len(gc.Violations)+2*len(plan.Decisions)+1+n)
	b.evidence()
	b.undos()
	b.freezes()
	b.accountActions()
	b.groupAction()
	b.notices(decisions)
	keyActions(plan, w)
	plan.NeedsSecondApproval = plan.Touched > p.engine.BlastRadius()
}

// Clone returns a deep copy of the plan's own storage (its lists, and the
// undo actions its actions point to), to keep a plan that a campaign
// passes to its callback.
func (p *Plan) Clone() *Plan {
	c := *p
	c.Decisions = slices.Clone(p.Decisions)
	c.Actions = slices.Clone(p.Actions)
	n := 0
	for i := range c.Actions {
		if c.Actions[i].Undo != nil {
			n++
		}
	}
	if n > 0 {
		undos := make([]Action, 0, n)
		for i := range c.Actions {
			if a := &c.Actions[i]; a.Undo != nil {
				undos = append(undos, *a.Undo)
				a.Undo = &undos[len(undos)-1]
			}
		}
	}
	c.Obligations = slices.Clone(p.Obligations)
	c.Spared = slices.Clone(p.Spared)
	c.Notices = slices.Clone(p.Notices)
	c.Held = slices.Clone(p.Held)
	c.PendingReview = slices.Clone(p.PendingReview)
	return &c
}

// held reports whether a person must complete the decision before anything
// is applied: the due-process guard holds it, or a rule failed for its
// subject, which fails closed: the failed rule might have asked for more.
func held(d *policy.Decision) bool {
	return len(d.Errors) > 0 || heldForDueProcess(d)
}

// heldForDueProcess reports whether the due-process guard holds the decision.
func heldForDueProcess(d *policy.Decision) bool {
	return slices.ContainsFunc(d.Guards, func(g policy.GuardNote) bool {
		return g.Guard == policy.GuardDueProcess && g.Action == policy.InterventionPending
	})
}

// bystanders are the reasons that spare an ordinary member of a group
// under each penalty, written once.
var bystanders = func() (r [policy.PenaltyClose + 1]string) {
	for p := range r {
		r[p] = bystanderText(policy.Penalty(p))
	}
	return r
}()

func bystanderText(groupPenalty policy.Penalty) string {
	return fmt.Sprintf("an ordinary member who did not commit the violations is not punished with the group (the group: %s)", groupPenalty)
}

// bystanderReason says why an ordinary member is not punished with the group.
func bystanderReason(groupPenalty policy.Penalty) string {
	if int(groupPenalty) < len(bystanders) {
		return bystanders[groupPenalty]
	}
	return bystanderText(groupPenalty)
}

// sparedReason explains why a member is not penalised.
func sparedReason(d *policy.Decision, groupPenalty policy.Penalty, bystander string) string {
	for _, g := range slices.Backward(d.Guards) {
		if g.Action == policy.InterventionLowered && g.To == policy.PenaltyNone {
			return g.Reason
		}
	}
	if len(d.Matches) > 0 {
		return "the rules that matched ask for no penalty"
	}
	if groupPenalty != policy.PenaltyNone && !d.Role.Leads() {
		return bystander
	}
	return "no rule of the policy applies to this account"
}

// keyActions numbers the actions of a plan and gives each its key, the
// plan id and the action's number in the whole plan, unique because plan
// ids are, and each undo the same key with "-undo". The keys are written
// in the work's scratch space and share one allocation.
func keyActions(plan *Plan, w *work) {
	if len(plan.Actions) == 0 {
		return
	}
	at := w.at
	buf := slices.Grow(w.keys[:0], len(plan.Actions)*(len(plan.ID)+len("-00-undo")))
	ends := slices.Grow(w.keyEnds[:0], len(plan.Actions))
	for i := range plan.Actions {
		n := i + 1
		if i < len(at) {
			n = at[i] + 1
		}
		buf = append(buf, plan.ID...)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(n), 10)
		ends = append(ends, len(buf))
		if plan.Actions[i].Undo != nil {
			buf = append(buf, "-undo"...)
		}
	}
	all := string(buf)
	from := 0
	for i := range plan.Actions {
		a, end := &plan.Actions[i], ends[i]
		a.Seq, a.Key = i+1, all[from:end]
		if a.Undo != nil {
			a.Undo.Key = all[from : end+len("-undo")]
			end += len("-undo")
		}
		from = end
	}
	w.keys, w.keyEnds = buf, ends
	if cap(buf) > maxKeptKeyBytes {
		w.keys, w.keyEnds = nil, nil // the room of a very large case is not kept
	}
}

// maxKeptKeyBytes is the most room for keys a work keeps from one plan to
// the next.
const maxKeptKeyBytes = 1 << 16
