package dsa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Builder turns plans into statements of reasons. The zero Builder works;
// set PUIDKey to a secret of the platform so that puids cannot be linked to
// accounts by anyone who knows the account ids.
type Builder struct {
	// PUIDKey keys the hash that makes each puid. Empty means the policy
	// digest, which keeps puids stable but not secret.
	PUIDKey []byte
	// Territories is the territorial scope (EEA country codes); empty omits it.
	Territories []string
	// Language is the content language (upper-case ISO 639-1); empty omits it.
	Language string
	// ReferenceURL points to the terms of service the contractual grounds cite.
	ReferenceURL string
}

// FromPlan builds the statements of a plan with the zero Builder.
func FromPlan(p *enforcement.Plan, e *policy.Engine) ([]Statement, error) {
	return (&Builder{}).FromPlan(p, e)
}

// FromPlan builds one statement per account the plan restricts: each
// suspended, restricted or banned account, and the group's owner when the
// group is closed, suspended or restricted. Warnings restrict nothing and
// members who are not penalised get no statement. Every statement built is
// validated: a statement the database would refuse is an error, as
// [policy.Problems] with paths such as statements[3].puid, where the index
// counts the plan's statements; an error names the account's role, never
// the account. It takes time linear in the plan.
func (b *Builder) FromPlan(p *enforcement.Plan, e *policy.Engine) ([]Statement, error) {
	if e.Policy().Digest != p.Policy.Digest {
		return nil, fmt.Errorf("dsa: plan %s was made under policy %s, not the engine's %s", p.ID, p.Policy.Digest, e.Policy().Digest)
	}
	ix := indexPlan(p)
	gd := p.GroupDecision
	groupMeasure := gd.Penalty.Level() > policy.PenaltyWarn.Level() && !slices.ContainsFunc(p.Held, func(d policy.Decision) bool {
		return d.Target == policy.TargetGroup
	})
	var out []Statement
	var problems policy.Problems
	add := func(d *policy.Decision, owner bool) error {
		s, err := b.statement(p, e, ix, d, owner)
		if err != nil {
			return err
		}
		if err := s.Validate(); err != nil {
			problems = append(problems, prefixed(policy.IndexPath("statements", len(out)), err)...)
		}
		out = append(out, s)
		return nil
	}
	ownerDone := false
	for i := range p.Decisions {
		d := &p.Decisions[i]
		owner := d.Role == policy.RoleOwner && groupMeasure
		if d.Penalty == policy.PenaltyWarn && !owner {
			continue
		}
		if err := add(d, owner); err != nil {
			return nil, err
		}
		ownerDone = ownerDone || owner
	}
	if groupMeasure && !ownerDone {
		// The owner's account is not penalised, but the group they provide is.
		d := gd
		d.Subject, d.Role, d.Penalty, d.Duration = gd.Subject, policy.RoleOwner, policy.PenaltyNone, 0
		for _, m := range p.Members {
			if m.Role == policy.RoleOwner {
				d.Subject = m.Account.ID
			}
		}
		if err := add(&d, true); err != nil {
			return nil, err
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("dsa: plan %s: %w", p.ID, problems)
	}
	return out, nil
}

// planIndex finds members, violations and freezes of a plan in constant
// time, so that building all of a plan's statements takes linear time.
type planIndex struct {
	members    map[string]int
	violations map[string]int
	frozen     map[string]bool
}

func indexPlan(p *enforcement.Plan) planIndex {
	ix := planIndex{members: make(map[string]int, len(p.Members)), violations: make(map[string]int, len(p.Violations)), frozen: map[string]bool{}}
	for i, m := range p.Members {
		ix.members[m.Account.ID] = i
	}
	for i, v := range p.Violations {
		if _, dup := ix.violations[v.ID]; !dup {
			ix.violations[v.ID] = i
		}
	}
	for _, a := range p.Actions {
		if a.Kind == enforcement.FreezeFunds {
			ix.frozen[a.Subject] = true
		}
	}
	return ix
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// endDate is the end of a restriction as the database takes it: a date up
// to MaxDate, or nil, which it reads as indefinite. A restriction ending
// after MaxDate cannot be dated there, so it is sent as indefinite and the
// facts tell the real end.
func endDate(t time.Time) *string {
	if t.After(MaxDate) {
		return nil
	}
	s := date(t)
	return &s
}

// statement maps one account decision, and for the owner the group's
// measure, onto the database's fields. It validates nothing: FromPlan does.
func (b *Builder) statement(p *enforcement.Plan, e *policy.Engine, ix planIndex, d *policy.Decision, owner bool) (Statement, error) {
	gd := &p.GroupDecision
	violationID := d.Violation
	if violationID == "" {
		violationID = gd.Violation
	}
	vi, ok := ix.violations[violationID]
	if !ok {
		return Statement{}, fmt.Errorf("dsa: plan %s: the violation behind the %s's decision is not in the plan", p.ID, d.Role)
	}
	v := &p.Violations[vi]
	cat, _ := e.Category(v.Category)
	s := Statement{
		ContentType:           contentTypes(v),
		Category:              cat.DSACategory,
		CategorySpecification: slices.Clone(cat.DSAKeywords),
		TerritorialScope:      slices.Clone(b.Territories),
		ContentLanguage:       b.Language,
		ContentDate:           date(contentDate(v, p.At)),
		ApplicationDate:       date(p.At),
		SourceType:            sourceType(v),
		AutomatedDetection:    yesNo(v.Automated()),
		AutomatedDecision:     "AUTOMATED_DECISION_FULLY",
		PUID:                  b.puid(p, d, owner),
		AccountType:           "ACCOUNT_TYPE_PRIVATE",
	}
	if v.LatestReviewAt(p.At) != nil {
		s.AutomatedDecision = "AUTOMATED_DECISION_PARTIALLY"
	}
	if mi, ok := ix.members[d.Subject]; ok && p.Members[mi].Account.Type == policy.AccountBusiness {
		s.AccountType = "ACCOUNT_TYPE_BUSINESS"
	}

	// The measures.
	switch d.Penalty {
	case policy.PenaltyBan:
		s.DecisionAccount = "DECISION_ACCOUNT_TERMINATED"
	case policy.PenaltySuspend:
		s.DecisionAccount = "DECISION_ACCOUNT_SUSPENDED"
		s.EndDateAccountRestriction = endDate(d.Until())
	case policy.PenaltyRestrict:
		s.DecisionProvision = "DECISION_PROVISION_PARTIAL_SUSPENSION"
		s.EndDateServiceRestriction = endDate(d.Until())
	}
	if owner {
		switch gd.Penalty {
		case policy.PenaltyClose:
			s.DecisionProvision = "DECISION_PROVISION_TOTAL_TERMINATION"
			s.EndDateServiceRestriction = nil
		case policy.PenaltySuspend:
			s.DecisionProvision = "DECISION_PROVISION_TOTAL_SUSPENSION"
			s.EndDateServiceRestriction = endDate(gd.Until())
		case policy.PenaltyRestrict:
			if s.DecisionProvision == "" {
				s.DecisionProvision = "DECISION_PROVISION_PARTIAL_SUSPENSION"
				s.EndDateServiceRestriction = endDate(gd.Until())
			}
		}
	}
	if gd.Penalty == policy.PenaltyClose || v.Actor == d.Subject {
		s.DecisionVisibility = []string{"DECISION_VISIBILITY_CONTENT_REMOVED"}
	}
	frozen := ix.frozen[d.Subject]
	if frozen {
		s.DecisionMonetary = "DECISION_MONETARY_SUSPENSION"
	}

	// The ground, facts and reasons.
	basis := d
	if d.Penalty == policy.PenaltyNone {
		basis = gd
	}
	explanation := explain(p, basis, cat)
	if owner && basis != gd {
		// The statement covers the group's measure too, which may stand on
		// another violation.
		gcat := cat
		if gi, ok := ix.violations[gd.Violation]; ok {
			gcat, _ = e.Category(p.Violations[gi].Category)
		}
		explanation += " " + explain(p, gd, gcat)
	}
	explanation = clip(explanation, 2000)
	switch basis.Ground.Kind {
	case "illegal":
		s.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
		s.IllegalContentLegalGround = clip(basis.Ground.Reference, 500)
		s.IllegalContentExplanation = explanation
	default:
		s.DecisionGround = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
		s.DecisionGroundReferenceURL = b.ReferenceURL
		s.IncompatibleContentGround = clip(basis.Ground.Reference, 500)
		s.IncompatibleContentExplanation = explanation
		if cat.ZeroTolerance {
			s.IncompatibleContentIllegal = "Yes"
		}
	}
	s.DecisionFacts = clip(facts(p, d, v, cat, owner, frozen), 5000)
	return s, nil
}

// puid is a keyed hash of the plan, the account, the rule, the violation
// and whether the statement is the owner's for the group: stable for the
// same decision, unique per decision, free of personal data. Each part is
// written with its length first, so that two different decisions never
// hash the same input, whatever characters their ids hold.
func (b *Builder) puid(p *enforcement.Plan, d *policy.Decision, owner bool) string {
	key := b.PUIDKey
	if len(key) == 0 {
		key = []byte(p.Policy.Digest)
	}
	mac := hmac.New(sha256.New, key)
	var buf []byte
	for _, part := range []string{p.ID, d.Subject, d.Rule, d.Violation} {
		buf = binary.AppendUvarint(buf, uint64(len(part)))
		buf = append(buf, part...)
	}
	if owner {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	mac.Write(buf)
	return "warden-" + hex.EncodeToString(mac.Sum(nil)[:20])
}

// contentTypes tells the kind of content from how it was identified: hash
// lists match images, keyword and classifier findings are text.
func contentTypes(v *policy.Violation) []string {
	var out []string
	for _, id := range v.Evidence.Identifications {
		t := "CONTENT_TYPE_TEXT"
		if id.Method == policy.MethodHashMatch {
			t = "CONTENT_TYPE_IMAGE"
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = []string{"CONTENT_TYPE_TEXT"}
	}
	slices.Sort(out)
	return out
}

func contentDate(v *policy.Violation, at time.Time) time.Time {
	for _, t := range []time.Time{v.Committed, v.Detected} {
		if !t.IsZero() {
			return t
		}
	}
	return at
}

var (
	sourceRank  = map[string]int{"SOURCE_VOLUNTARY": 0, "SOURCE_TYPE_OTHER_NOTIFICATION": 1, "SOURCE_ARTICLE_16": 2, "SOURCE_TRUSTED_FLAGGER": 3}
	sourceTypes = map[policy.Source]string{
		policy.SourceUser: "SOURCE_ARTICLE_16", policy.SourceTrustedFlagger: "SOURCE_TRUSTED_FLAGGER",
		policy.SourceAuthority: "SOURCE_TYPE_OTHER_NOTIFICATION",
	}
)

// sourceType tells how the platform learnt of the content: a trusted
// flagger, a notice (Art. 16), another notification, or its own initiative.
func sourceType(v *policy.Violation) string {
	best := "SOURCE_VOLUNTARY"
	for _, r := range v.Evidence.Reports {
		if t := sourceTypes[r.Source]; sourceRank[t] > sourceRank[best] {
			best = t
		}
	}
	return best
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// measure says in words what a decision does to its target.
func measure(target policy.Target, p policy.Penalty, dur policy.Duration, until time.Time) string {
	what := "the account"
	if target == policy.TargetGroup {
		what = "the group"
	}
	switch p {
	case policy.PenaltyBan:
		return "permanent termination of " + what
	case policy.PenaltyClose:
		return "closure of " + what
	case policy.PenaltySuspend:
		return fmt.Sprintf("suspension of %s for %s, until %s", what, dur, date(until))
	case policy.PenaltyRestrict:
		return fmt.Sprintf("restriction of features of %s for %s, until %s", what, dur, date(until))
	case policy.PenaltyWarn:
		return "a warning to " + what
	}
	return "no measure"
}

// guardWhy says why a guard lowered a measure, in fixed words: a guard's
// own note names the violation, which a statement must not.
var guardWhy = map[policy.Guard]string{
	policy.GuardDoubleJudgment:         "the violation has not been confirmed by both a technical identification and a human review, and nothing above a warning (for a group, above a provisional measure) follows until it is",
	policy.GuardNoCollectivePunishment: "a member answers only for their own acts",
	policy.GuardProportionality:        "a permanent measure needs high or critical severity, a zero-tolerance category or the end of an escalation ladder",
}

// explain gives the reasons of a decision from the policy's rule and the
// decision's own measures and guards, never from the rule's message, which
// the policy computes from the case and may name anyone.
func explain(p *enforcement.Plan, d *policy.Decision, cat policy.Category) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Under rule %q of the policy %q (version %s), content of the category %q leads to", d.Rule, p.Policy.Name, p.Policy.Version, title(cat))
	i := slices.IndexFunc(d.Matches, func(m policy.Match) bool { return m.Rule == d.Rule && m.Violation == d.Violation })
	if i < 0 {
		fmt.Fprintf(&b, " %s.", measure(d.Target, d.Penalty, d.Duration, d.Until()))
		return b.String()
	}
	m := d.Matches[i]
	fmt.Fprintf(&b, " %s", measure(d.Target, m.Asked, m.AskedDuration, d.At.Add(time.Duration(m.AskedDuration))))
	if m.Ladder != "" {
		fmt.Fprintf(&b, " (step %d of the escalation ladder %q)", m.Step, m.Ladder)
	}
	b.WriteString(".")
	if m.Asked != d.Penalty || m.AskedDuration != d.Duration {
		fmt.Fprintf(&b, " The measure taken is %s instead", measure(d.Target, d.Penalty, d.Duration, d.Until()))
		sep := ": "
		for _, g := range d.Guards {
			if why, ok := guardWhy[g.Guard]; ok && g.Action == policy.InterventionLowered && g.Rule == m.Rule && g.Violation == m.Violation {
				b.WriteString(sep + why)
				sep = "; "
			}
		}
		b.WriteString(".")
	}
	return b.String()
}

func title(cat policy.Category) string {
	if cat.Title != "" {
		return cat.Title
	}
	return cat.Name
}

// facts states what happened without naming anyone: every word is fixed
// text, an enum value, a date, or static text of the policy.
func facts(p *enforcement.Plan, d *policy.Decision, v *policy.Violation, cat policy.Category, owner, frozen bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Content of the category %q, severity %s, was found in a chat group", title(cat), v.Severity)
	switch {
	case v.Automated() && len(v.Evidence.Reports) > 0:
		b.WriteString(" by automated identification and by a report")
	case v.Automated():
		b.WriteString(" by automated identification")
	case len(v.Evidence.Reports) > 0:
		b.WriteString(" through a report")
	}
	switch r := v.LatestReviewAt(p.At); {
	case r != nil && r.Verdict == policy.VerdictConfirmed:
		fmt.Fprintf(&b, " and confirmed by a human reviewer on %s", date(r.At))
	case r == nil:
		b.WriteString("; no person had reviewed it when the decision was taken")
	}
	b.WriteString(".")
	switch {
	case v.Actor == d.Subject:
		b.WriteString(" The account posted it.")
	case d.Role.Leads():
		fmt.Fprintf(&b, " The account is the group's %s; whoever runs a group answers for it.", d.Role)
	}
	gd := &p.GroupDecision
	if owner && gd.Penalty != policy.PenaltyNone {
		fmt.Fprintf(&b, " The group was given the measure %s.", measure(policy.TargetGroup, gd.Penalty, gd.Duration, gd.Until()))
	}
	if d.Penalty != policy.PenaltyNone {
		fmt.Fprintf(&b, " The account was given the measure %s.", measure(policy.TargetAccount, d.Penalty, d.Duration, d.Until()))
	}
	if frozen {
		b.WriteString(" The funds held in the account are frozen, not forfeited: the verified holder can recover them through the platform's recovery channels.")
	}
	return b.String()
}
