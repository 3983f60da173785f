package vocab

import (
	"time"
)

// AccountType tells private accounts from business ones, as the statement of
// reasons records it. The zero AccountType is AccountPrivate.
type AccountType uint8

// Account is a user account of the platform.
type Account struct {
	// ID identifies the account; it must not be empty.
	ID string `json:"id" yaml:"id"`
	// RealNameVerified reports whether the holder's real-name record was
	// verified; funds are paid out only to a verified holder.
	RealNameVerified bool `json:"real_name_verified,omitempty" yaml:"real_name_verified,omitempty"`
	// Holder is the holder of record: the name on the account's real-name
	// record, empty when there is none. Frozen funds are paid out only to
	// this name, and only when RealNameVerified. At most 256 bytes, without
	// control characters or surrounding space.
	Holder  string      `json:"holder,omitempty" yaml:"holder,omitempty"`
	Type    AccountType `json:"type,omitempty" yaml:"type,omitempty"`
	Created time.Time   `json:"created,omitzero" yaml:"created,omitempty"`
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

// Holding is an amount of money held for an account, in integer minor units
// of its currency (cents, fen), never floating point.
type Holding struct {
	Kind     AssetKind `json:"kind" yaml:"kind"`
	Amount   int64     `json:"amount" yaml:"amount"`
	Currency string    `json:"currency" yaml:"currency"`
	// Product names the wealth-management product; empty for a wallet.
	Product string `json:"product,omitempty" yaml:"product,omitempty"`
}
