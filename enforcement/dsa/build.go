package dsa

import (
	"crypto/hmac"
	"crypto/sha256"
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
// validated; an error names the account's role, never the account.
func (b *Builder) FromPlan(p *enforcement.Plan, e *policy.Engine) ([]Statement, error) {
	if e.Policy().Digest != p.Policy.Digest {
		return nil, fmt.Errorf("dsa: plan %s was made under policy %s, not the engine's %s", p.ID, p.Policy.Digest, e.Policy().Digest)
	}
	gd := p.GroupDecision
	groupMeasure := gd.Penalty.Level() > policy.PenaltyWarn.Level() && !slices.ContainsFunc(p.Held, func(d policy.Decision) bool {
		return d.Target == policy.TargetGroup
	})
	var out []Statement
	ownerDone := false
	for _, d := range p.Decisions {
		owner := d.Role == policy.RoleOwner && groupMeasure
		if d.Penalty == policy.PenaltyWarn && !owner {
			continue
		}
		s, err := b.statement(p, e, d, owner)
		if err != nil {
			return nil, err
		}
		ownerDone = ownerDone || owner
		out = append(out, s)
	}
	if groupMeasure && !ownerDone {
		// The owner's account is not penalised, but the group they provide is.
		d := gd
		d.Subject, d.Role, d.Penalty, d.Duration = p.GroupDecision.Subject, policy.RoleOwner, policy.PenaltyNone, 0
		for _, m := range p.Members {
			if m.Role == policy.RoleOwner {
				d.Subject = m.Account.ID
			}
		}
		s, err := b.statement(p, e, d, true)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func datePtr(t time.Time) *string {
	s := date(t)
	return &s
}

// statement maps one account decision, and for the owner the group's
// measure, onto the database's fields.
func (b *Builder) statement(p *enforcement.Plan, e *policy.Engine, d policy.Decision, owner bool) (Statement, error) {
	gd := p.GroupDecision
	violationID := d.Violation
	if violationID == "" {
		violationID = gd.Violation
	}
	vi := slices.IndexFunc(p.Violations, func(v policy.Violation) bool { return v.ID == violationID })
	if vi < 0 {
		return Statement{}, fmt.Errorf("dsa: plan %s: violation %q behind the %s's decision is not in the plan", p.ID, violationID, d.Role)
	}
	v := p.Violations[vi]
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
		PUID:                  b.puid(p, d),
	}
	if v.LatestReviewAt(p.At) != nil {
		s.AutomatedDecision = "AUTOMATED_DECISION_PARTIALLY"
	}
	if m := memberOf(p, d.Subject); m != nil && m.Account.Type == policy.AccountBusiness {
		s.AccountType = "ACCOUNT_TYPE_BUSINESS"
	} else {
		s.AccountType = "ACCOUNT_TYPE_PRIVATE"
	}

	// The measures.
	switch d.Penalty {
	case policy.PenaltyBan:
		s.DecisionAccount = "DECISION_ACCOUNT_TERMINATED"
	case policy.PenaltySuspend:
		s.DecisionAccount = "DECISION_ACCOUNT_SUSPENDED"
		s.EndDateAccountRestriction = datePtr(d.Until())
	case policy.PenaltyRestrict:
		s.DecisionProvision = "DECISION_PROVISION_PARTIAL_SUSPENSION"
		s.EndDateServiceRestriction = datePtr(d.Until())
	}
	if owner {
		switch gd.Penalty {
		case policy.PenaltyClose:
			s.DecisionProvision = "DECISION_PROVISION_TOTAL_TERMINATION"
			s.EndDateServiceRestriction = nil
		case policy.PenaltySuspend:
			s.DecisionProvision = "DECISION_PROVISION_TOTAL_SUSPENSION"
			s.EndDateServiceRestriction = datePtr(gd.Until())
		case policy.PenaltyRestrict:
			if s.DecisionProvision == "" {
				s.DecisionProvision = "DECISION_PROVISION_PARTIAL_SUSPENSION"
				s.EndDateServiceRestriction = datePtr(gd.Until())
			}
		}
	}
	if gd.Penalty == policy.PenaltyClose || v.Actor == d.Subject {
		s.DecisionVisibility = []string{"DECISION_VISIBILITY_CONTENT_REMOVED"}
	}
	frozen := slices.ContainsFunc(p.Actions, func(a enforcement.Action) bool {
		return a.Kind == enforcement.FreezeFunds && a.Subject == d.Subject
	})
	if frozen {
		s.DecisionMonetary = "DECISION_MONETARY_SUSPENSION"
	}

	// The ground, facts and reasons.
	ground, reason := d.Ground, d.Reason
	if d.Penalty == policy.PenaltyNone {
		ground, reason = gd.Ground, gd.Reason
	}
	switch ground.Kind {
	case "illegal":
		s.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
		s.IllegalContentLegalGround = clip(ground.Reference, 500)
		s.IllegalContentExplanation = clip(reason, 2000)
	default:
		s.DecisionGround = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
		s.DecisionGroundReferenceURL = b.ReferenceURL
		s.IncompatibleContentGround = clip(ground.Reference, 500)
		s.IncompatibleContentExplanation = clip(reason, 2000)
		if cat.ZeroTolerance {
			s.IncompatibleContentIllegal = "Yes"
		}
	}
	s.DecisionFacts = clip(facts(p, d, v, cat, owner, frozen), 5000)
	if err := s.Validate(); err != nil {
		return Statement{}, fmt.Errorf("dsa: plan %s, statement for the %s: %w", p.ID, d.Role, err)
	}
	return s, nil
}

func memberOf(p *enforcement.Plan, id string) *policy.Membership {
	for i := range p.Members {
		if p.Members[i].Account.ID == id {
			return &p.Members[i]
		}
	}
	return nil
}

// puid is a keyed hash of the plan, the account and the rule: stable for
// the same decision, unique per decision, free of personal data.
func (b *Builder) puid(p *enforcement.Plan, d policy.Decision) string {
	key := b.PUIDKey
	if len(key) == 0 {
		key = []byte(p.Policy.Digest)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s|%s|%s|%s", p.ID, d.Subject, d.Rule, d.Violation)
	return "warden-" + hex.EncodeToString(mac.Sum(nil)[:20])
}

// contentTypes tells the kind of content from how it was identified: hash
// lists match images, keyword and classifier findings are text.
func contentTypes(v policy.Violation) []string {
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

func contentDate(v policy.Violation, at time.Time) time.Time {
	for _, t := range []time.Time{v.Committed, v.Detected} {
		if !t.IsZero() {
			return t
		}
	}
	return at
}

// sourceType tells how the platform learnt of the content: a trusted
// flagger, a notice (Art. 16), another notification, or its own initiative.
func sourceType(v policy.Violation) string {
	best := "SOURCE_VOLUNTARY"
	rank := map[string]int{"SOURCE_VOLUNTARY": 0, "SOURCE_TYPE_OTHER_NOTIFICATION": 1, "SOURCE_ARTICLE_16": 2, "SOURCE_TRUSTED_FLAGGER": 3}
	for _, r := range v.Evidence.Reports {
		t := map[policy.Source]string{
			policy.SourceUser: "SOURCE_ARTICLE_16", policy.SourceTrustedFlagger: "SOURCE_TRUSTED_FLAGGER",
			policy.SourceAuthority: "SOURCE_TYPE_OTHER_NOTIFICATION",
		}[r.Source]
		if rank[t] > rank[best] {
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

// facts states what happened without naming anyone.
func facts(p *enforcement.Plan, d policy.Decision, v policy.Violation, cat policy.Category, owner, frozen bool) string {
	var b strings.Builder
	title := cat.Title
	if title == "" {
		title = cat.Name
	}
	fmt.Fprintf(&b, "Content of the category %q, severity %s, was found in a chat group", title, v.Severity)
	switch {
	case v.Automated() && len(v.Evidence.Reports) > 0:
		b.WriteString(" by automated identification and by a report")
	case v.Automated():
		b.WriteString(" by automated identification")
	case len(v.Evidence.Reports) > 0:
		b.WriteString(" through a report")
	}
	if r := v.LatestReviewAt(p.At); r != nil && r.Verdict == policy.VerdictConfirmed {
		fmt.Fprintf(&b, " and confirmed by a human reviewer on %s", date(r.At))
	}
	b.WriteString(".")
	switch {
	case v.Actor == d.Subject:
		b.WriteString(" The account posted it.")
	case d.Role.Leads():
		fmt.Fprintf(&b, " The account is the group's %s; whoever runs a group answers for it.", d.Role)
	}
	if owner && p.GroupDecision.Penalty != policy.PenaltyNone {
		fmt.Fprintf(&b, " The group was given the measure %q.", p.GroupDecision.Penalty)
	}
	if d.Penalty != policy.PenaltyNone {
		fmt.Fprintf(&b, " The account was given the measure %q", d.Penalty)
		if d.Duration > 0 {
			fmt.Fprintf(&b, " for %s", d.Duration)
		}
		b.WriteString(".")
	}
	if frozen {
		b.WriteString(" The funds held in the account are frozen, not forfeited: the verified holder can recover them through the platform's recovery channels.")
	}
	if d.Reason != "" {
		fmt.Fprintf(&b, " %s", d.Reason)
	}
	return b.String()
}
