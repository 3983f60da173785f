package vocab

import (
	"time"
)

// Group is a chat group. Whoever owns or administers it answers for it.
type Group struct {
	// ID identifies the group; it must not be empty.
	ID string `json:"id" yaml:"id"`
	// Owner is the owner's account id.
	Owner string `json:"owner" yaml:"owner"`
	// Admins are the administrators' account ids.
	Admins []string `json:"admins,omitempty" yaml:"admins,omitempty"`
	// Members counts every account in the group, owner and admins included.
	Members int       `json:"members" yaml:"members"`
	Created time.Time `json:"created,omitzero" yaml:"created,omitempty"`
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
