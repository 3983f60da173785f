package enforcement

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

// FundsRoute is how the holder of a banned account recovers one kind of
// asset: the channel a claim is opened on, how the holder is identified
// there, whether the asset is redeemed before the payout, and what the
// holder is told to do. Ban notices quote it, and funds-recovery claims
// (package appeal/funds) check their events against it: one type, so the
// notice and the claim never disagree.
type FundsRoute struct {
	Asset policy.AssetKind `json:"asset"`
	// Channel is the channel the claim must be opened on.
	Channel string `json:"channel"`
	// Identity is the method that verifies the holder on this channel.
	Identity string `json:"identity,omitempty"`
	// Redeem is set when the asset is a product that must be redeemed
	// before the payout; only such holdings change value.
	Redeem bool `json:"redeem,omitempty"`
	// How tells the holder what to do.
	How string `json:"how"`
}

// DefaultFundsRoutes returns the recovery channels of the 2017
// announcement: the wallet balance through the customer-service hotline with a
// phone identity check, wealth-management funds through an online application. Each call returns
// a new slice.
func DefaultFundsRoutes() []FundsRoute { return slices.Clone(defaultFundsRoutes) }

var defaultFundsRoutes = []FundsRoute{
	{Asset: policy.AssetWallet, Channel: "customer-service hotline", Identity: "phone",
		How: "call the customer-service hotline; an agent verifies your identity by phone against your real-name record"},
	{Asset: policy.AssetWealthManagement, Channel: "online application", Identity: "online", Redeem: true,
		How: "apply online under Finance > Recovery guide; the product is redeemed before the payout"},
}

// PlannerOption configures a Planner.
type PlannerOption func(*Planner)

// WithFundsRoutes sets the recovery channels that notices of a ban name for
// each kind of asset (default: [DefaultFundsRoutes]).
func WithFundsRoutes(routes []FundsRoute) PlannerOption {
	return func(p *Planner) { p.routes = append([]FundsRoute(nil), routes...) }
}

// FundsLine is one holding of a banned account as its notice tells it.
type FundsLine struct {
	Asset    policy.AssetKind `json:"asset"`
	Amount   int64            `json:"amount"`
	Currency string           `json:"currency"`
	Channel  string           `json:"channel"`
	How      string           `json:"how"`
}

func (p *Planner) route(k policy.AssetKind) FundsRoute {
	for _, r := range p.routes {
		if r.Asset == k {
			return r
		}
	}
	return FundsRoute{Asset: k, Channel: "customer service", How: "contact customer service"}
}

// fundsLines lists the holdings of a banned account with their channels.
func (p *Planner) fundsLines(a policy.Account) []FundsLine {
	var out []FundsLine
	for _, h := range a.Holdings {
		r := p.route(h.Kind)
		out = append(out, FundsLine{Asset: h.Kind, Amount: h.Amount, Currency: h.Currency, Channel: r.Channel, How: r.How})
	}
	return out
}

// Amount renders an amount in minor units with its currency's decimals
// (ISO 4217: none for JPY or KRW, three for KWD or BHD, two otherwise).
func Amount(currency string, minor int64) string {
	decimals := 2
	switch strings.ToUpper(strings.TrimSpace(currency)) { // the code, however it was written
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		decimals = 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		decimals = 3
	}
	// The magnitude as uint64: -math.MinInt64 has no int64.
	sign, mag := "", uint64(minor)
	if minor < 0 {
		sign, mag = "-", -uint64(minor)
	}
	if decimals == 0 {
		return fmt.Sprintf("%s %s%d", currency, sign, mag)
	}
	unit := uint64(math.Pow10(decimals))
	return fmt.Sprintf("%s %s%d.%0*d", currency, sign, mag/unit, decimals, mag%unit)
}

// fundsText tells the holder that the funds are safe and how to recover them.
func fundsText(lines []FundsLine) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" Your funds are safe: they are frozen, never transferred or used, and stay yours.")
	for _, l := range lines {
		fmt.Fprintf(&b, " To recover your %s balance (%s): %s.", strings.ReplaceAll(l.Asset.String(), "_", "-"), Amount(l.Currency, l.Amount), l.How)
	}
	return b.String()
}

// Freeze is one holding a plan froze: what opens one funds-recovery claim.
type Freeze struct {
	// Claim identifies the claim of this holding: the freeze action's key
	// and the holding's place among the action's holdings sorted by kind,
	// currency, product and amount, the same however often the plan is
	// rebuilt from the same case, whatever order the case lists the
	// holdings in (the plan's id ignores that order too).
	Claim string `json:"claim"`
	// Action is the key of the freeze action.
	Action  string `json:"action"`
	Account string `json:"account"`
	// Holder is the account's holder of record, HolderVerified whether the
	// real-name record was verified.
	Holder         string         `json:"holder,omitempty"`
	HolderVerified bool           `json:"holder_verified,omitempty"`
	Holding        policy.Holding `json:"holding"`
	// At is when the plan froze the holding.
	At time.Time `json:"at"`
}

// Freezes lists what the plan's freeze actions hold, one entry per
// holding, in the order of the actions, with the holder of record taken
// from the plan's members.
func (p *Plan) Freezes() []Freeze {
	var out []Freeze
	for _, a := range p.Actions {
		if a.Kind != FreezeFunds {
			continue
		}
		var acct policy.Account
		if i := slices.IndexFunc(p.Members, func(m policy.Membership) bool { return m.Account.ID == a.Subject }); i >= 0 {
			acct = p.Members[i].Account
		}
		rank := holdingRanks(a.Holdings)
		for i, h := range a.Holdings {
			out = append(out, Freeze{Claim: a.Key + "-" + strconv.Itoa(rank[i]), Action: a.Key, Account: a.Subject,
				Holder: acct.Holder, HolderVerified: acct.RealNameVerified && acct.Holder != "", Holding: h, At: p.At})
		}
	}
	return out
}

// holdingRanks gives each holding its place, from 1, in the holdings sorted
// by kind, currency, product and amount: equal holdings are
// interchangeable, so the places do not depend on the order of hs.
func holdingRanks(hs []policy.Holding) []int {
	order := make([]int, len(hs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(compareHoldings(hs[a], hs[b]), cmp.Compare(hs[a].Amount, hs[b].Amount))
	})
	rank := make([]int, len(hs))
	for r, i := range order {
		rank[i] = r + 1
	}
	return rank
}
