package vocab

import (
	"time"

	"github.com/groupwarden/warden/internal/enumtext"
)

// AccountType tells private accounts from business ones, as the statement of
// reasons records it. The zero AccountType is AccountPrivate.
type AccountType uint8

// The account types.
const (
	AccountPrivate AccountType = iota
	AccountBusiness
)

var accountTypeText = enumtext.New("account type", "private", "business")

// String returns the account type's name.
func (t AccountType) String() string { return accountTypeText.String(uint8(t)) }

// MarshalText implements encoding.TextMarshaler.
func (t AccountType) MarshalText() ([]byte, error) { return accountTypeText.Marshal(uint8(t)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *AccountType) UnmarshalText(b []byte) error {
	v, err := accountTypeText.Parse(string(b))
	*t = AccountType(v)
	return err
}

// Account is a user account of the platform.
type Account struct {
	// ID identifies the account; it must not be empty.
	ID string `json:"id" yaml:"id"`
	// RealNameVerified reports whether the holder's real-name record was
	// verified; funds are paid out only to a verified holder.
	RealNameVerified bool        `json:"real_name_verified,omitempty" yaml:"real_name_verified,omitempty"`
	Type             AccountType `json:"type,omitempty" yaml:"type,omitempty"`
	Created          time.Time   `json:"created,omitzero" yaml:"created,omitempty"`
	// History lists the penalties the account received before, in any order.
	// Escalation ladders and strikes(within) count them.
	History []Record `json:"history,omitempty" yaml:"history,omitempty"`
	// Holdings are the funds held for the account; a ban freezes them.
	Holdings []Holding `json:"holdings,omitempty" yaml:"holdings,omitempty"`
}

// Record is one entry of an enforcement history: a penalty given at a time.
// A record counts as a strike while it is younger than the window that reads
// it, so strikes decay.
type Record struct {
	At       time.Time `json:"at" yaml:"at"`
	Penalty  Penalty   `json:"penalty" yaml:"penalty"`
	Category string    `json:"category,omitempty" yaml:"category,omitempty"`
	Rule     string    `json:"rule,omitempty" yaml:"rule,omitempty"`
}

// AssetKind is a kind of funds an account holds. The zero AssetKind is AssetWallet.
type AssetKind uint8

// The asset kinds. Each has its own recovery channel.
const (
	AssetWallet AssetKind = iota
	AssetWealthManagement
)

var assetKindText = enumtext.New("asset kind", "wallet", "wealth_management")

// String returns the asset kind's name.
func (k AssetKind) String() string { return assetKindText.String(uint8(k)) }

// MarshalText implements encoding.TextMarshaler.
func (k AssetKind) MarshalText() ([]byte, error) { return assetKindText.Marshal(uint8(k)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *AssetKind) UnmarshalText(b []byte) error {
	v, err := assetKindText.Parse(string(b))
	*k = AssetKind(v)
	return err
}

// Holding is an amount of money held for an account, in integer minor units
// of its currency (cents, fen), never floating point.
type Holding struct {
	Kind     AssetKind `json:"kind" yaml:"kind"`
	Amount   int64     `json:"amount" yaml:"amount"`
	Currency string    `json:"currency" yaml:"currency"`
	// Product names the wealth-management product; empty for a wallet.
	Product string `json:"product,omitempty" yaml:"product,omitempty"`
}
