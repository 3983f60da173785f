package policy

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

// GroupStatus is the state a group is in. The zero GroupStatus is GroupActive.
type GroupStatus uint8

// The group states.
const (
	GroupActive GroupStatus = iota
	GroupRestricted
	GroupSuspended
	GroupClosed
)

var groupStatusText = enumtext.New("group status", "active", "restricted", "suspended", "closed")

// String returns the status's name.
func (s GroupStatus) String() string { return groupStatusText.String(uint8(s)) }

// MarshalText implements encoding.TextMarshaler.
func (s GroupStatus) MarshalText() ([]byte, error) { return groupStatusText.Marshal(uint8(s)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *GroupStatus) UnmarshalText(b []byte) error {
	v, err := groupStatusText.Parse(string(b))
	*s = GroupStatus(v)
	return err
}

// Group is a chat group. Whoever owns or administers it answers for it.
type Group struct {
	// ID identifies the group; it must not be empty.
	ID string `json:"id" yaml:"id"`
	// Owner is the owner's account id.
	Owner string `json:"owner" yaml:"owner"`
	// Admins are the administrators' account ids.
	Admins []string `json:"admins,omitempty" yaml:"admins,omitempty"`
	// Members counts every account in the group, owner and admins included.
	Members int         `json:"members" yaml:"members"`
	Created time.Time   `json:"created,omitzero" yaml:"created,omitempty"`
	Status  GroupStatus `json:"status,omitempty" yaml:"status,omitempty"`
	// History lists the penalties the group received before.
	History []Record `json:"history,omitempty" yaml:"history,omitempty"`
}

// RoleOf returns the role the account id has in the group according to its
// owner and admins: owner, admin, or member for anyone else.
func (g *Group) RoleOf(id string) Role {
	if id == g.Owner {
		return RoleOwner
	}
	for _, a := range g.Admins {
		if a == id {
			return RoleAdmin
		}
	}
	return RoleMember
}

// Membership is an account in a group with its role.
type Membership struct {
	Account Account `json:"account" yaml:"account"`
	Role    Role    `json:"role" yaml:"role"`
}
