package enforcement

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/exp/stats"

	"github.com/groupwarden/warden/policy"
)

// Report sums up a campaign: what happened to groups and accounts, overall,
// for the focus categories and the others, per category and per role, the
// funds frozen, and how long detection took to become a decision.
type Report struct {
	Campaign Campaign         `json:"campaign"`
	Policy   policy.PolicyRef `json:"policy"`
	// Cases counts the group cases planned; Skipped those outside the window.
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

// Latency gives quantiles of the time from detection to decision. They are
// exact up to LatencySamples cases and estimated from a uniform sample of
// that size beyond.
type Latency struct {
	Cases int             `json:"cases"`
	P50   policy.Duration `json:"p50"`
	P90   policy.Duration `json:"p90"`
	P99   policy.Duration `json:"p99"`
	Max   policy.Duration `json:"max"`
}

// LatencySamples bounds the memory the latency quantiles use.
const LatencySamples = 10000

// tally accumulates a report in bounded memory: fixed-size tables and a
// reservoir of latency samples.
type tally struct {
	report  Report
	focus   map[string]bool
	cats    map[string]*CategoryTally
	roles   [4]AccountTally
	funds   map[string]int64
	samples []float64
	rng     *rand.Rand
	maxLat  time.Duration
}

func newTally(c Campaign, e *policy.Engine) *tally {
	t := &tally{
		report: Report{Campaign: c, Policy: e.Policy()},
		focus:  map[string]bool{},
		cats:   map[string]*CategoryTally{},
		funds:  map[string]int64{},
		// A fixed seed keeps the report deterministic.
		rng: rand.New(rand.NewPCG(0x5741524445, 0x4e)),
	}
	for _, f := range c.Focus {
		t.focus[f] = true
	}
	for _, cat := range e.Categories() {
		t.cats[cat.Name] = &CategoryTally{Category: cat.Name, Focus: t.focus[cat.Name]}
		t.report.ByCategory = append(t.report.ByCategory, CategoryTally{Category: cat.Name})
	}
	return t
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

func (t *tally) totals(category string) *Totals {
	if t.focus[category] {
		return &t.report.Focus
	}
	return &t.report.Other
}

// add counts one plan.
func (t *tally) add(gc GroupCase, p *Plan) {
	r := &t.report
	r.Cases++
	r.MemberDecisions += len(gc.Members)
	r.PendingReview += len(p.PendingReview)
	if p.NeedsSecondApproval {
		r.SecondApprovals++
	}
	// A case's category is the deciding violation's, or its first violation's.
	caseCat := p.GroupDecision.Category
	if caseCat == "" && len(gc.Violations) > 0 {
		caseCat = gc.Violations[0].Category
	}
	gp := p.GroupDecision.Penalty
	if heldForDueProcess(&p.GroupDecision) {
		gp = policy.PenaltyNone
	}
	countGroup(&r.Groups, gp)
	if ct := t.cats[caseCat]; ct != nil {
		countGroup(&ct.Groups, gp)
	}
	if gp == policy.PenaltyClose {
		t.totals(caseCat).GroupsClosed++
	}
	for i := range p.Decisions {
		d := &p.Decisions[i]
		countAccount(&r.Accounts, d.Penalty)
		countAccount(&t.roles[d.Role], d.Penalty)
		if ct := t.cats[d.Category]; ct != nil {
			countAccount(&ct.Accounts, d.Penalty)
		}
		if d.Penalty == policy.PenaltyBan {
			t.totals(d.Category).AccountsBanned++
		}
	}
	for _, s := range p.Spared {
		r.Accounts.Spared++
		t.roles[s.Role].Spared++
		if ct := t.cats[caseCat]; ct != nil {
			ct.Accounts.Spared++
		}
	}
	for i := range p.Held {
		d := &p.Held[i]
		if d.Target == policy.TargetAccount {
			r.Accounts.Held++
			t.roles[d.Role].Held++
		}
	}
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Kind == FreezeFunds {
			for _, h := range a.Holdings {
				t.funds[h.Currency] += h.Amount
			}
		}
	}
	t.sample(gc)
}

// sample keeps the case's detection-to-decision latency in the reservoir.
func (t *tally) sample(gc GroupCase) {
	var first time.Time
	for _, v := range gc.Violations {
		at := v.Detected
		if at.IsZero() {
			at = v.Committed
		}
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() || first.After(gc.Now) {
		return
	}
	lat := gc.Now.Sub(first)
	t.maxLat = max(t.maxLat, lat)
	t.report.Latency.Cases++
	if len(t.samples) < LatencySamples {
		t.samples = append(t.samples, lat.Seconds())
	} else if i := t.rng.IntN(t.report.Latency.Cases); i < LatencySamples {
		t.samples[i] = lat.Seconds()
	}
}

func (t *tally) finish() *Report {
	r := &t.report
	for i := range r.ByCategory {
		r.ByCategory[i] = *t.cats[r.ByCategory[i].Category]
	}
	for role := policy.RoleOwner; role <= policy.RoleMember; role++ {
		r.ByRole = append(r.ByRole, RoleTally{Role: role, Accounts: t.roles[role]})
	}
	for cur, amt := range t.funds {
		r.FundsFrozen = append(r.FundsFrozen, Money{Currency: cur, Amount: amt})
	}
	slices.SortFunc(r.FundsFrozen, func(a, b Money) int { return strings.Compare(a.Currency, b.Currency) })
	if len(t.samples) > 0 {
		q := stats.Quantiles(t.samples, 0.5, 0.9, 0.99)
		sec := func(s float64) policy.Duration {
			return policy.Duration(time.Duration(s * float64(time.Second)).Round(time.Second))
		}
		r.Latency.P50, r.Latency.P90, r.Latency.P99 = sec(q[0]), sec(q[1]), sec(q[2])
		r.Latency.Max = policy.Duration(t.maxLat)
	}
	return r
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

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
	_, err := io.WriteString(w, b.String())
	return err
}

func dateOr(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.Format(time.DateOnly)
}
