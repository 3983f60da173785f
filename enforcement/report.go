package enforcement

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/groupwarden/warden/policy"
)

// Report sums up a campaign: what happened to groups and accounts, overall,
// for the focus categories and the others, per category and per role, the
// funds frozen, and how long detection took to become a decision.
//
// Groups are counted once per group case; accounts once per account, by the
// one measure the campaign takes against it (its category and role are the
// deciding decision's); Spared and Held count memberships. Reports of shards
// of a campaign add up with [Report.Merge].
type Report struct {
	Campaign Campaign         `json:"campaign"`
	Policy   policy.PolicyRef `json:"policy"`
	// Cases counts the group cases planned; Skipped those outside the
	// window. MemberDecisions counts every member of every group planned.
	Cases           int `json:"cases"`
	Skipped         int `json:"skipped"`
	MemberDecisions int `json:"member_decisions"`
	// PendingReview counts decisions waiting for a manual review;
	// SecondApprovals the plans over the blast radius.
	PendingReview   int `json:"pending_review"`
	SecondApprovals int `json:"second_approvals"`

	Groups   GroupTally   `json:"groups"`
	Accounts AccountTally `json:"accounts"`
	// Focus and Other split the totals by whether the deciding violation's
	// category is one the campaign focuses on.
	Focus Totals `json:"focus"`
	Other Totals `json:"other"`

	ByCategory []CategoryTally `json:"by_category"`
	ByRole     []RoleTally     `json:"by_role"`
	// FundsFrozen is the money frozen in banned accounts, per currency, in
	// minor units. It stays the holders'.
	FundsFrozen []Money `json:"funds_frozen,omitempty"`
	// Latency is the time from the earliest detection of a case's
	// violations to the decision.
	Latency Latency `json:"latency"`
	// RuleErrors counts, per rule, the times it failed at run time (once
	// per subject and violation), in the order of rule ids. Every decision
	// with a rule error is held for review.
	RuleErrors []RuleErrorTally `json:"rule_errors,omitempty"`
}

// RuleErrorTally counts the run-time failures of one rule.
type RuleErrorTally struct {
	Rule   string `json:"rule"`
	Errors int    `json:"errors"`
}

// ruleErrors adds n failures of a rule, keeping the tallies in rule order.
func (r *Report) ruleErrors(rule string, n int) {
	i, found := slices.BinarySearchFunc(r.RuleErrors, rule, func(t RuleErrorTally, rule string) int { return strings.Compare(t.Rule, rule) })
	if !found {
		r.RuleErrors = slices.Insert(r.RuleErrors, i, RuleErrorTally{Rule: rule})
	}
	r.RuleErrors[i].Errors += n
}

// GroupTally counts groups by the measure taken against them.
type GroupTally struct {
	Closed     int `json:"closed"`
	Suspended  int `json:"suspended"`
	Restricted int `json:"restricted"`
	Warned     int `json:"warned"`
	Untouched  int `json:"untouched"`
}

// AccountTally counts accounts by the measure taken against them.
type AccountTally struct {
	Banned     int `json:"banned"`
	Suspended  int `json:"suspended"`
	Restricted int `json:"restricted"`
	Warned     int `json:"warned"`
	// Spared counts members not penalised; Held the penalties held for a
	// person to complete.
	Spared int `json:"spared"`
	Held   int `json:"held"`
}

// Totals are the headline figures: groups closed and accounts banned.
type Totals struct {
	GroupsClosed   int `json:"groups_closed"`
	AccountsBanned int `json:"accounts_banned"`
}

// CategoryTally is the tally of one category.
type CategoryTally struct {
	Category string       `json:"category"`
	Focus    bool         `json:"focus,omitempty"`
	Groups   GroupTally   `json:"groups"`
	Accounts AccountTally `json:"accounts"`
}

// RoleTally is the tally of the accounts of one role.
type RoleTally struct {
	Role     policy.Role  `json:"role"`
	Accounts AccountTally `json:"accounts"`
}

// Money is an amount in minor units of a currency.
type Money struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// Latency gives quantiles of the time from detection to decision, read
// from Sketch: within [SketchRelativeError] of the exact quantiles, rounded
// to the second. Max is exact.
type Latency struct {
	Cases int             `json:"cases"`
	P50   policy.Duration `json:"p50"`
	P90   policy.Duration `json:"p90"`
	P99   policy.Duration `json:"p99"`
	Max   policy.Duration `json:"max"`
	// Sketch holds every case's latency, so that reports merge exactly.
	Sketch Sketch `json:"sketch"`
}

// NewReport returns the empty report of a campaign under the engine's
// policy: the value to add plans to, or to merge the reports of shards into.
func NewReport(c Campaign, e *policy.Engine) *Report {
	r := &Report{Campaign: c, Policy: e.Policy()}
	for _, cat := range e.Categories() {
		r.ByCategory = append(r.ByCategory, CategoryTally{Category: cat.Name, Focus: slices.Contains(c.Focus, cat.Name)})
	}
	for role := policy.RoleOwner; role <= policy.RoleMember; role++ {
		r.ByRole = append(r.ByRole, RoleTally{Role: role})
	}
	return r
}

func countGroup(g *GroupTally, p policy.Penalty) {
	switch p {
	case policy.PenaltyClose:
		g.Closed++
	case policy.PenaltySuspend:
		g.Suspended++
	case policy.PenaltyRestrict:
		g.Restricted++
	case policy.PenaltyWarn:
		g.Warned++
	default:
		g.Untouched++
	}
}

func countAccount(a *AccountTally, p policy.Penalty) {
	switch p {
	case policy.PenaltyBan:
		a.Banned++
	case policy.PenaltySuspend:
		a.Suspended++
	case policy.PenaltyRestrict:
		a.Restricted++
	case policy.PenaltyWarn:
		a.Warned++
	}
}

func (r *Report) totals(category string) *Totals {
	if slices.Contains(r.Campaign.Focus, category) {
		return &r.Focus
	}
	return &r.Other
}

func (r *Report) category(name string) *CategoryTally {
	for i := range r.ByCategory {
		if r.ByCategory[i].Category == name {
			return &r.ByCategory[i]
		}
	}
	return nil
}

func (r *Report) role(role policy.Role) *AccountTally {
	for i := range r.ByRole {
		if r.ByRole[i].Role == role {
			return &r.ByRole[i].Accounts
		}
	}
	r.ByRole = append(r.ByRole, RoleTally{Role: role})
	return &r.ByRole[len(r.ByRole)-1].Accounts
}

func (r *Report) freeze(hs []policy.Holding) {
	for _, h := range hs {
		i, found := slices.BinarySearchFunc(r.FundsFrozen, h.Currency, func(m Money, c string) int { return strings.Compare(m.Currency, c) })
		if !found {
			r.FundsFrozen = slices.Insert(r.FundsFrozen, i, Money{Currency: h.Currency})
		}
		r.FundsFrozen[i].Amount += h.Amount
	}
}

// ErrFundsOverflow is wrapped by the error of a report that refuses a plan
// or a merge whose frozen funds would take a currency's total past what an
// int64 of minor units holds: a sum that wrapped would report money that
// is not there.
var ErrFundsOverflow = errors.New("frozen funds overflow")

// checkFreezes refuses, before anything is counted, a plan whose freezes
// would overflow the report's totals in some currency.
func (r *Report) checkFreezes(p *Plan) error {
	var add []Money
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Kind == FreezeFunds {
			for _, h := range a.Holdings {
				add = append(add, Money{Currency: h.Currency, Amount: h.Amount})
			}
		}
	}
	return r.checkMoney(add)
}

// checkMoney refuses amounts that would take a currency's total frozen
// funds past math.MaxInt64, or that are negative.
func (r *Report) checkMoney(add []Money) error {
	if len(add) == 0 {
		return nil
	}
	sums := map[string]int64{}
	for _, m := range r.FundsFrozen {
		sums[m.Currency] = m.Amount
	}
	for _, m := range add {
		if m.Amount < 0 || sums[m.Currency] > math.MaxInt64-m.Amount {
			return fmt.Errorf("%w: %s %d on top of %d", ErrFundsOverflow, m.Currency, m.Amount, sums[m.Currency])
		}
		sums[m.Currency] += m.Amount
	}
	return nil
}

// AddPlan counts one plan: its group, its members spared or held, and
// each account decision it still carries (none for the group part of a
// reconciled campaign, whose account measures [Report.AddAccount] counts).
// It refuses, and counts nothing, a plan whose frozen funds would
// overflow the report's total in a currency ([ErrFundsOverflow]).
func (r *Report) AddPlan(p *Plan) error {
	if err := r.checkFreezes(p); err != nil {
		return err
	}
	r.addPlan(p)
	r.refresh()
	return nil
}

// AddAccount counts the one measure a campaign takes against an account.
// It refuses, and counts nothing, a measure whose frozen funds would
// overflow the report's total in a currency ([ErrFundsOverflow]).
func (r *Report) AddAccount(a *AccountPlan) error {
	if err := r.checkFreezes(&a.Plan); err != nil {
		return err
	}
	r.addDecisions(&a.Plan)
	r.refresh()
	return nil
}

func (r *Report) addPlan(p *Plan) {
	r.addGroup(p)
	r.addDecisions(p)
}

// addDecisions counts a plan's account decisions and freezes.
func (r *Report) addDecisions(p *Plan) {
	for i := range p.Decisions {
		d := &p.Decisions[i]
		countAccount(&r.Accounts, d.Penalty)
		countAccount(r.role(d.Role), d.Penalty)
		if ct := r.category(d.Category); ct != nil {
			countAccount(&ct.Accounts, d.Penalty)
		}
		if d.Penalty == policy.PenaltyBan {
			r.totals(d.Category).AccountsBanned++
		}
	}
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Kind == FreezeFunds {
			r.freeze(a.Holdings)
		}
	}
}

// addGroup counts what only a group plan has: the group, its members,
// reviews, approvals and latency.
func (r *Report) addGroup(p *Plan) {
	r.Cases++
	r.MemberDecisions += len(p.Members)
	r.PendingReview += len(p.PendingReview)
	if p.NeedsSecondApproval {
		r.SecondApprovals++
	}
	// A case's category is the deciding violation's, or its first violation's.
	caseCat := p.GroupDecision.Category
	if caseCat == "" && len(p.Violations) > 0 {
		caseCat = p.Violations[0].Category
	}
	gp := p.GroupDecision.Penalty
	if held(&p.GroupDecision) {
		gp = policy.PenaltyNone
	}
	countGroup(&r.Groups, gp)
	ct := r.category(caseCat)
	if ct != nil {
		countGroup(&ct.Groups, gp)
	}
	if gp == policy.PenaltyClose {
		r.totals(caseCat).GroupsClosed++
	}
	r.Accounts.Spared += len(p.Spared)
	if ct != nil {
		ct.Accounts.Spared += len(p.Spared)
	}
	// The spared come in the plan's order of members, a run of each role.
	var tally *AccountTally
	for i := range p.Spared {
		if i == 0 || p.Spared[i].Role != p.Spared[i-1].Role {
			tally = r.role(p.Spared[i].Role)
		}
		tally.Spared++
	}
	for i := range p.Held {
		d := &p.Held[i]
		for _, e := range d.Errors {
			r.ruleErrors(e.Rule, 1)
		}
		if d.Target == policy.TargetAccount {
			r.Accounts.Held++
			r.role(d.Role).Held++
		}
	}
	r.sample(p)
}

// sample counts the case's detection-to-decision latency.
func (r *Report) sample(p *Plan) {
	var first time.Time
	for _, v := range p.Violations {
		at := v.Detected
		if at.IsZero() {
			at = v.Committed
		}
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() || first.After(p.At) {
		return
	}
	lat := p.At.Sub(first)
	r.Latency.Max = max(r.Latency.Max, policy.Duration(lat))
	r.Latency.Cases++
	r.Latency.Sketch.Add(lat)
}

// refresh reads the quantiles from the sketch.
func (r *Report) refresh() {
	q := r.Latency.Sketch.Quantiles(0.5, 0.9, 0.99)
	sec := func(d time.Duration) policy.Duration { return policy.Duration(d.Round(time.Second)) }
	r.Latency.P50, r.Latency.P90, r.Latency.P99 = sec(q[0]), sec(q[1]), sec(q[2])
}

// Merge adds the figures of o, the report of another shard of the same
// campaign under the same policy, to r. Counts add exactly and the
// quantiles are read again from the merged sketch, so merging the reports
// of any split of a campaign gives the report of one run. It refuses, and
// changes nothing, for another campaign or policy.
func (r *Report) Merge(o *Report) error {
	if r.Policy != o.Policy {
		return fmt.Errorf("report of %s: cannot merge a report under policy %s %s (sha256 %s)", r.Campaign.Name, o.Policy.Name, o.Policy.Version, o.Policy.Digest)
	}
	if !sameCampaign(r.Campaign, o.Campaign) {
		return fmt.Errorf("report of %s: cannot merge the report of campaign %s", r.Campaign.Name, o.Campaign.Name)
	}
	if err := r.checkMoney(o.FundsFrozen); err != nil {
		return fmt.Errorf("report of %s: %w", r.Campaign.Name, err)
	}
	r.Cases += o.Cases
	r.Skipped += o.Skipped
	r.MemberDecisions += o.MemberDecisions
	r.PendingReview += o.PendingReview
	r.SecondApprovals += o.SecondApprovals
	r.Groups.add(o.Groups)
	r.Accounts.add(o.Accounts)
	r.Focus.GroupsClosed += o.Focus.GroupsClosed
	r.Focus.AccountsBanned += o.Focus.AccountsBanned
	r.Other.GroupsClosed += o.Other.GroupsClosed
	r.Other.AccountsBanned += o.Other.AccountsBanned
	for _, c := range o.ByCategory {
		ct := r.category(c.Category)
		if ct == nil {
			r.ByCategory = append(r.ByCategory, CategoryTally{Category: c.Category, Focus: c.Focus})
			ct = &r.ByCategory[len(r.ByCategory)-1]
		}
		ct.Groups.add(c.Groups)
		ct.Accounts.add(c.Accounts)
	}
	for _, rt := range o.ByRole {
		r.role(rt.Role).add(rt.Accounts)
	}
	for _, m := range o.FundsFrozen {
		r.freeze([]policy.Holding{{Currency: m.Currency, Amount: m.Amount}})
	}
	r.Latency.Cases += o.Latency.Cases
	r.Latency.Max = max(r.Latency.Max, o.Latency.Max)
	r.Latency.Sketch.Merge(o.Latency.Sketch)
	for _, t := range o.RuleErrors {
		r.ruleErrors(t.Rule, t.Errors)
	}
	r.refresh()
	return nil
}

func sameCampaign(a, b Campaign) bool {
	return a.Name == b.Name && a.From.Equal(b.From) && a.To.Equal(b.To) && slices.Equal(a.Focus, b.Focus)
}

func (g *GroupTally) add(o GroupTally) {
	g.Closed += o.Closed
	g.Suspended += o.Suspended
	g.Restricted += o.Restricted
	g.Warned += o.Warned
	g.Untouched += o.Untouched
}

func (a *AccountTally) add(o AccountTally) {
	a.Banned += o.Banned
	a.Suspended += o.Suspended
	a.Restricted += o.Restricted
	a.Warned += o.Warned
	a.Spared += o.Spared
	a.Held += o.Held
}

// WriteText renders the report as a plain-text summary with tables.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Campaign %s", r.Campaign.Name)
	if !r.Campaign.From.IsZero() || !r.Campaign.To.IsZero() {
		fmt.Fprintf(&b, " (%s to %s)", dateOr(r.Campaign.From, "start"), dateOr(r.Campaign.To, "now"))
	}
	fmt.Fprintf(&b, "\npolicy %s %s, sha256 %s\n", r.Policy.Name, r.Policy.Version, r.Policy.Digest)
	fmt.Fprintf(&b, "%d group cases planned (%d outside the window), %d member decisions\n", r.Cases, r.Skipped, r.MemberDecisions)
	fmt.Fprintf(&b, "%d decisions pending review, %d plans needing a second approval\n\n", r.PendingReview, r.SecondApprovals)
	fmt.Fprintf(&b, "Focus categories (%s): %d groups closed, %d accounts banned\n",
		strings.Join(r.Campaign.Focus, ", "), r.Focus.GroupsClosed, r.Focus.AccountsBanned)
	fmt.Fprintf(&b, "Other categories: %d groups closed, %d accounts banned\n\n", r.Other.GroupsClosed, r.Other.AccountsBanned)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tgroups closed\tsuspended\trestricted\twarned\taccounts banned\tsuspended\trestricted\twarned\tspared\t")
	row := func(name string, g GroupTally, a AccountTally) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name,
			g.Closed, g.Suspended, g.Restricted, g.Warned, a.Banned, a.Suspended, a.Restricted, a.Warned, a.Spared)
	}
	for _, c := range r.ByCategory {
		name := c.Category
		if c.Focus {
			name += " *"
		}
		row(name, c.Groups, c.Accounts)
	}
	row("total", r.Groups, r.Accounts)
	tw.Flush()

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "role\tbanned\tsuspended\trestricted\twarned\tspared\theld\t")
	for _, rt := range r.ByRole {
		a := rt.Accounts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", rt.Role, a.Banned, a.Suspended, a.Restricted, a.Warned, a.Spared, a.Held)
	}
	tw.Flush()

	b.WriteString("\nFunds frozen in banned accounts (held for their holders, never forfeited):")
	if len(r.FundsFrozen) == 0 {
		b.WriteString(" none")
	}
	for _, m := range r.FundsFrozen {
		fmt.Fprintf(&b, " %s", Amount(m.Currency, m.Amount))
	}
	fmt.Fprintf(&b, "\nDetection to decision over %d cases: p50 %s, p90 %s, p99 %s, max %s\n",
		r.Latency.Cases, r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	if len(r.RuleErrors) > 0 {
		b.WriteString("Rules that failed at run time (their decisions are held for review):")
		for _, t := range r.RuleErrors {
			fmt.Fprintf(&b, " %s %d", t.Rule, t.Errors)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dateOr(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.Format(time.DateOnly)
}
