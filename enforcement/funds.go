package enforcement

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/groupwarden/warden/policy"
)

// FundsRoute tells the holder of a banned account how to recover one kind
// of asset: the channel and what to do there.
type FundsRoute struct {
	Asset   policy.AssetKind `json:"asset"`
	Channel string           `json:"channel"`
	How     string           `json:"how"`
}

// DefaultFundsRoutes returns the recovery channels of the 2017
// announcement: the wallet balance through the customer-service hotline,
// wealth-management funds through an online application. Each call returns
// a new slice.
func DefaultFundsRoutes() []FundsRoute { return slices.Clone(defaultFundsRoutes) }

var defaultFundsRoutes = []FundsRoute{
	{Asset: policy.AssetWallet, Channel: "customer-service hotline",
		How: "call the customer-service hotline; an agent verifies your identity by phone against your real-name record"},
	{Asset: policy.AssetWealthManagement, Channel: "online application",
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
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		decimals = 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		decimals = 3
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	if decimals == 0 {
		return fmt.Sprintf("%s %s%d", currency, sign, minor)
	}
	unit := int64(math.Pow10(decimals))
	return fmt.Sprintf("%s %s%d.%0*d", currency, sign, minor/unit, decimals, minor%unit)
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
