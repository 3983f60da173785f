package appeal

import (
	"slices"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/enumtext"
	"github.com/groupwarden/warden/policy"
)

// Channel is how the holder recovers one kind of asset.
type Channel struct {
	Asset policy.AssetKind `json:"asset"`
	// Name is the channel the claim must be opened on.
	Name string `json:"name"`
	// Identity is the method that verifies the holder on this channel.
	Identity string `json:"identity"`
	// Redeem is set when the asset must be redeemed before the payout.
	Redeem bool `json:"redeem,omitempty"`
	// How tells the holder what to do; ban notices quote it.
	How string `json:"how"`
}

// Config is the configuration of funds recovery and appeals. Channels are
// configuration, not code.
type Config struct {
	Channels []Channel `json:"channels"`
	// Dormancy is how long a claim may stay without activity before the
	// funds count as unclaimed and are remitted as the law says.
	Dormancy time.Duration `json:"dormancy"`
	// AppealWindow is how long after a rejection the holder may appeal it,
	// and after a penalty decision the penalised user may contest it.
	AppealWindow time.Duration `json:"appeal_window"`
}

// DefaultConfig is the 2017 set-up: the wallet balance through the
// customer-service hotline with phone identity verification, wealth-management
// funds through an online application with redemption before payout;
// unclaimed after five years; appeals open for six months.
func DefaultConfig() Config {
	identity := map[policy.AssetKind]string{policy.AssetWallet: "phone", policy.AssetWealthManagement: "online"}
	var chans []Channel
	for _, r := range enforcement.DefaultFundsRoutes() {
		chans = append(chans, Channel{Asset: r.Asset, Name: r.Channel, Identity: identity[r.Asset],
			Redeem: r.Asset == policy.AssetWealthManagement, How: r.How})
	}
	return Config{Channels: chans, Dormancy: 5 * 365 * 24 * time.Hour, AppealWindow: 183 * 24 * time.Hour}
}

// appealCloses is when an appeal window opened at t closes: after window,
// and never before six calendar months (DSA Art. 20).
func appealCloses(t time.Time, window time.Duration) time.Time {
	closes := t.Add(window)
	if six := t.AddDate(0, 6, 0); six.After(closes) {
		closes = six
	}
	return closes
}

// Routes returns the channels as the enforcement planner's notices name them.
func (c Config) Routes() []enforcement.FundsRoute {
	out := make([]enforcement.FundsRoute, len(c.Channels))
	for i, ch := range c.Channels {
		out[i] = enforcement.FundsRoute{Asset: ch.Asset, Channel: ch.Name, How: ch.How}
	}
	return out
}

// ChannelFor returns the channel of an asset kind.
func (c Config) ChannelFor(k policy.AssetKind) (Channel, bool) {
	i := slices.IndexFunc(c.Channels, func(ch Channel) bool { return ch.Asset == k })
	if i < 0 {
		return Channel{}, false
	}
	return c.Channels[i], true
}

// Status is where a claim stands. The zero Status is not valid.
type Status uint8

// The states of a claim, in the order a claim goes through them.
const (
	Held Status = iota + 1
	Opened
	IdentityVerified
	DeductionsReviewed
	Approved
	Redeemed
	PayoutPending
	Paid
	Rejected
	InReview
	Remitted
)

var statusText = enumtext.New("status", "", "held", "opened", "identity-verified", "deductions-reviewed", "approved", "redeemed",
	"payout-pending", "paid", "rejected", "in-review", "remitted")

// String returns the status's name.
func (s Status) String() string { return statusText.String(uint8(s)) }

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return statusText.Marshal(uint8(s)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := statusText.Parse(string(b))
	*s = Status(v)
	return err
}

// Final reports whether the claim is over: paid out or remitted.
func (s Status) Final() bool { return s == Paid || s == Remitted }

// Deduction is an amount taken from the held funds on a documented basis.
type Deduction struct {
	Event  string `json:"event"`
	Amount int64  `json:"amount"`
	Basis  Basis  `json:"basis"`
	// Reference is the chargeback or the court order.
	Reference string `json:"reference"`
	// Payee receives the amount: the original payer of a chargeback, the
	// party a court order names.
	Payee string `json:"payee"`
	By    string `json:"by"`
}

// Claim is the state of the recovery of one frozen holding: a fold of its
// events. Amounts are integer minor units of Currency. The zero Claim is
// the state before the first event.
type Claim struct {
	Account  string           `json:"account"`
	Holder   string           `json:"holder"`
	Asset    policy.AssetKind `json:"asset"`
	Currency string           `json:"currency"`
	Channel  string           `json:"channel,omitempty"`
	Status   Status           `json:"status"`

	// Frozen is what was frozen; Valuation the sum of explicit valuation
	// changes since. Held + Paid + Deducted + Remitted always equals
	// Frozen + Valuation.
	Frozen    int64 `json:"frozen"`
	Valuation int64 `json:"valuation"`
	Held      int64 `json:"held"`
	Paid      int64 `json:"paid"`
	Deducted  int64 `json:"deducted"`
	Remitted  int64 `json:"remitted"`

	// HolderVerified is the account's real-name record; IdentityChecked that
	// the claimant proved to be its holder.
	HolderVerified  bool        `json:"holder_verified"`
	IdentityChecked bool        `json:"identity_checked,omitempty"`
	Deductions      []Deduction `json:"deductions,omitempty"`
	// Pending holds deductions proposed but not yet executed; approval executes them.
	Pending    []Deduction `json:"pending,omitempty"`
	ApprovedBy string      `json:"approved_by,omitempty"`
	RejectedAt time.Time   `json:"rejected_at,omitzero"`
	// LegalHold, when set, names the order that pauses the claim.
	LegalHold string `json:"legal_hold,omitempty"`
	// Payout is the payout in flight, if any; Payouts the ones paid.
	Payout  *Payout  `json:"payout,omitempty"`
	Payouts []Payout `json:"payouts,omitempty"`
	// LastActivity is the time of the last event; dormancy counts from it.
	LastActivity time.Time `json:"last_activity"`
	// Events counts the events applied.
	Events int `json:"events"`
	// applied are the events applied, to recognise one applied again.
	applied []Event
}

// Payout is money sent to the holder.
type Payout struct {
	Event       string      `json:"event"`
	Amount      int64       `json:"amount"`
	Destination Destination `json:"destination"`
}

// Destination is where a payout goes. It must be in the holder's own,
// verified name.
type Destination struct {
	Account  string `json:"account"`
	Name     string `json:"name"`
	Verified bool   `json:"verified"`
}

// Conserved reports whether the money adds up.
func (c *Claim) Conserved() bool {
	return c.Held+c.Paid+c.Deducted+c.Remitted == c.Frozen+c.Valuation &&
		c.Held >= 0 && c.Paid >= 0 && c.Deducted >= 0 && c.Remitted >= 0
}

// clone copies the claim so that applying an event never touches the
// state it was given.
func (c Claim) clone() Claim {
	c.Deductions = slices.Clone(c.Deductions)
	c.Pending = slices.Clone(c.Pending)
	c.Payouts = slices.Clone(c.Payouts)
	c.applied = slices.Clone(c.applied)
	if c.Payout != nil {
		p := *c.Payout
		c.Payout = &p
	}
	return c
}
