package enforcement

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

// Audience is who a notice speaks to. The zero Audience is not valid.
type Audience uint8

// Notice tells one account what the plan decided about it and its group.
// A notice of a penalty always carries its reasons and the appeal route.
type Notice struct {
	To       string      `json:"to"`
	Role     policy.Role `json:"role"`
	Audience Audience    `json:"audience"`
	Group    string      `json:"group"`
	// GroupPenalty and GroupDuration are the measure taken against the
	// group; GroupReason its reason, told to the group's leaders.
	GroupPenalty  policy.Penalty  `json:"group_penalty"`
	GroupDuration policy.Duration `json:"group_duration,omitempty"`
	GroupReason   string          `json:"group_reason,omitempty"`
	// Penalty, Duration and Until are the account's own measure.
	Penalty  policy.Penalty  `json:"penalty"`
	Duration policy.Duration `json:"duration,omitempty"`
	Until    time.Time       `json:"until,omitzero"`
	// Acts lists the verified violations the account committed itself;
	// UnderReview those attributed to it that no person has confirmed yet.
	Acts        []string `json:"acts,omitempty"`
	UnderReview []string `json:"under_review,omitempty"`
	// Reasons are the reasons and grounds of the account's penalty.
	Reasons []string `json:"reasons,omitempty"`
	// Appeal is the route to contest the penalty; set when there is one.
	Appeal policy.Appeal `json:"appeal,omitzero"`
	// Funds lists what a banned account holds and how to recover it.
	Funds         []FundsLine `json:"funds,omitempty"`
	PendingReview bool        `json:"pending_review,omitempty"`
}

// MarshalJSON renders the notice with its Text.
func (n Notice) MarshalJSON() ([]byte, error) {
	type plain Notice
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(n), n.Text()})
}

// notices writes one notice per member, in the plan's order of members,
// and a notify action for each; a member gets none when nothing was done to
// the group or to them and nothing of theirs waits for review. The lists
// of the notices (acts, reasons) share a few allocations per plan.
func (b *builder) notices(decisions []policy.Decision) {
	gd := &b.plan.GroupDecision
	groupPenalty := gd.Penalty
	if held(gd) {
		groupPenalty = policy.PenaltyNone
	}
	w := b.w
	var lists noticeLists
	for i := range b.gc.Members {
		m, d := &b.gc.Members[i], &decisions[i]
		first, hasActs := b.actsOf(m.Account.ID)
		penalised := d.Penalty != policy.PenaltyNone && !held(d)
		if penalised && b.split {
			// The account plan carries the notice of a measure.
			b.skip(Notify, time.Time{})
			continue
		}
		if groupPenalty == policy.PenaltyNone && !penalised && !hasActs && !d.PendingReview {
			// Nothing was done to the group or to the account, and nothing
			// waits: a notice would tell of a measure that was not taken.
			continue
		}
		// The notice is written in its place in the plan, over what the
		// room held before, and taken back when it turns out to tell of
		// nothing.
		b.plan.Notices = b.plan.Notices[:len(b.plan.Notices)+1] // room made for every member
		n := &b.plan.Notices[len(b.plan.Notices)-1]
		*n = Notice{To: m.Account.ID, Role: m.Role, Group: b.gc.Group.ID, GroupPenalty: groupPenalty, PendingReview: d.PendingReview}
		if groupPenalty != policy.PenaltyNone {
			n.GroupDuration = gd.Duration
		}
		if hasActs {
			lists.room(b.gc, len(b.plan.Decisions))
			for vi := first; vi >= 0; vi = b.nextAct[vi] {
				v := &b.gc.Violations[vi]
				// A violation a reviewer rejected is nobody's act; one not yet
				// reviewed is told as such.
				switch r := v.LatestReviewAt(b.gc.Now); {
				case v.Automated() && r != nil && r.Verdict == policy.VerdictConfirmed: // verified as of now
					lists.acts = append(lists.acts, lists.text(v))
				case r == nil || r.Verdict != policy.VerdictRejected:
					lists.under = append(lists.under, lists.text(v))
				}
			}
			n.Acts, n.UnderReview = lists.take()
		}
		switch {
		case m.Role.Leads():
			n.Audience = AudienceLeaders
			if groupPenalty != policy.PenaltyNone {
				n.GroupReason = gd.Reason
			}
		case len(n.Acts) > 0 || len(n.UnderReview) > 0:
			n.Audience = AudienceActors
		default:
			n.Audience = AudienceMembers
		}
		if penalised {
			n.Penalty, n.Duration, n.Until = d.Penalty, d.Duration, d.Until()
			lists.room(b.gc, len(b.plan.Decisions))
			n.Reasons = lists.reasons(d.Reason, w.groundText(d.Ground))
			n.Appeal = d.Appeal
			if d.Penalty == policy.PenaltyBan {
				n.Funds = b.planner.fundsLines(m.Account)
			}
		}
		if groupPenalty == policy.PenaltyNone && n.Penalty == policy.PenaltyNone && len(n.Acts) == 0 && len(n.UnderReview) == 0 && !n.PendingReview {
			// The check above once the notice is written: acts or a measure
			// that came to nothing leave nothing to tell either.
			*n = Notice{}
			b.plan.Notices = b.plan.Notices[:len(b.plan.Notices)-1]
			continue
		}
		b.addNotify(m.Account.ID, len(b.plan.Notices)-1)
	}
}

// noticeLists holds the lists of a plan's notices: the texts of the acts
// in one string, and the acts, the acts under review and the reasons in
// one slice, each notice's lists a part of it. Each violation is the act
// of one account at most, and each account with a measure has two
// reasons, so the room made is never outgrown.
type noticeLists struct {
	buf                strings.Builder
	acts, under, why   []string
	from, fromU, fromW int
}

// room makes the room, once per plan.
func (l *noticeLists) room(gc *GroupCase, measures int) {
	if l.acts != nil {
		return
	}
	size, n := 0, 0
	for i := range gc.Violations {
		if v := &gc.Violations[i]; v.Actor != "" {
			size += len(v.ID) + len(" ()") + len(v.Category)
			n++
		}
	}
	l.buf.Grow(size)
	all := make([]string, 2*n+2*measures)
	l.acts, l.under, l.why = all[:0:n], all[n:n:2*n], all[2*n:2*n]
}

// reasons returns the reasons of one notice.
func (l *noticeLists) reasons(reason, ground string) []string {
	l.why = append(l.why, reason, ground)
	why := l.why[l.fromW:len(l.why):len(l.why)]
	l.fromW = len(l.why)
	return why
}

// text writes "id (category)": what is written stays as it is, so each
// text is a part of the string built so far.
func (l *noticeLists) text(v *policy.Violation) string {
	start := l.buf.Len()
	l.buf.WriteString(v.ID)
	l.buf.WriteString(" (")
	l.buf.WriteString(v.Category)
	l.buf.WriteByte(')')
	return l.buf.String()[start:]
}

// take returns the lists of one notice, nil when empty.
func (l *noticeLists) take() (acts, under []string) {
	if len(l.acts) > l.from {
		acts = l.acts[l.from:len(l.acts):len(l.acts)]
	}
	if len(l.under) > l.fromU {
		under = l.under[l.fromU:len(l.under):len(l.under)]
	}
	l.from, l.fromU = len(l.acts), len(l.under)
	return acts, under
}

// groundText is the ground of a decision as a notice gives it.
func groundText(g policy.Ground) string {
	return "Ground (" + g.Kind + "): " + strings.TrimSuffix(g.Reference, ".") + "."
}

// groupMeasure says in words what happened to the group.
func groupMeasure(p policy.Penalty, d policy.Duration) string {
	switch p {
	case policy.PenaltyClose:
		return "was closed"
	case policy.PenaltySuspend:
		return "was suspended for " + d.String()
	case policy.PenaltyRestrict:
		return "was restricted for " + d.String()
	case policy.PenaltyWarn:
		return "received a warning"
	}
	return "is not affected"
}

// accountMeasure says in words what happens to the account.
func accountMeasure(n Notice) string {
	switch n.Penalty {
	case policy.PenaltyBan:
		return "Your account is banned permanently."
	case policy.PenaltySuspend:
		return fmt.Sprintf("Your account is suspended until %s.", n.Until.Format(time.DateOnly))
	case policy.PenaltyRestrict:
		return fmt.Sprintf("Some features of your account are restricted until %s.", n.Until.Format(time.DateOnly))
	case policy.PenaltyWarn:
		return "Your account receives a warning."
	}
	// For this group only: in a campaign the account may have a measure
	// through another group, which its own notice tells.
	return "Your account is not penalised for what happened in this group."
}

// Text is the notice as the account reads it.
func (n Notice) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Group %s %s.", n.Group, groupMeasure(n.GroupPenalty, n.GroupDuration))
	if n.GroupReason != "" {
		fmt.Fprintf(&b, " %s", n.GroupReason)
	}
	if len(n.Acts) > 0 {
		fmt.Fprintf(&b, " You committed: %s.", strings.Join(n.Acts, ", "))
	}
	if len(n.UnderReview) > 0 {
		fmt.Fprintf(&b, " Attributed to you and awaiting a person's review: %s.", strings.Join(n.UnderReview, ", "))
	}
	fmt.Fprintf(&b, " %s", accountMeasure(n))
	if n.Audience == AudienceMembers && n.Penalty == policy.PenaltyNone {
		b.WriteString(" Members who took no part are not punished with their group.")
	}
	if n.Penalty != policy.PenaltyNone {
		fmt.Fprintf(&b, " Reason: %s", strings.Join(n.Reasons, " "))
		fmt.Fprintf(&b, " You can contest this decision within %s: %s.", n.Appeal.Window, n.Appeal.Route)
	}
	b.WriteString(fundsText(n.Funds))
	if n.PendingReview {
		b.WriteString(" A reviewer will look at the case again; you will be told of any change.")
	}
	return b.String()
}
