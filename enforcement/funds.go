package enforcement

import (
	"fmt"
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

// DefaultFundsRoutes are the recovery channels of the 2017 announcement:
// the wallet balance through the customer-service hotline, wealth-management
// funds through an online application.
var DefaultFundsRoutes = []FundsRoute{
	{Asset: policy.AssetWallet, Channel: "customer-service hotline",
		How: "call the customer-service hotline; an agent verifies your identity by phone against your real-name record"},
	{Asset: policy.AssetWealthManagement, Channel: "online application",
		How: "apply online under Finance > Recovery guide; the product is redeemed before the payout"},
}

// PlannerOption configures a Planner.
type PlannerOption func(*Planner)

// WithFundsRoutes sets the recovery channels that notices of a ban name for
// each kind of asset (default: DefaultFundsRoutes).
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

// fundsText tells the holder that the funds are safe and how to recover them.
func fundsText(lines []FundsLine) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" Your funds are safe: they are frozen, never transferred or used, and stay yours.")
	for _, l := range lines {
		fmt.Fprintf(&b, " To recover your %s balance (%s %d.%02d): %s.", strings.ReplaceAll(l.Asset.String(), "_", "-"), l.Currency, l.Amount/100, l.Amount%100, l.How)
	}
	return b.String()
}
