package vocab

import "time"

// Case is what the engine decides: one target (an account in a group, or the
// group itself), the group, the violations at hand and the time of the
// decision. The zero Case is not valid.
type Case struct {
	Target Target `json:"target" yaml:"target"`
	// Group is the group the violations happened in; always required.
	Group Group `json:"group" yaml:"group"`
	// Account is the account decided; required for account targets, nil for groups.
	Account *Account `json:"account,omitempty" yaml:"account,omitempty"`
	// Role is the account's role in the group; it must agree with the
	// group's owner and admins. Left zero, it is taken from them.
	Role Role `json:"role,omitempty" yaml:"role,omitempty"`
	// Violations are the violations considered; at least one.
	Violations []Violation `json:"violations" yaml:"violations"`
	// Now is the time of the decision. The engine never reads the clock.
	Now time.Time `json:"now" yaml:"now"`
}

// GroupCase is a group with everyone in it and what was found there: what
// [Engine.DecideGroup] decides and an enforcement plan acts on. The zero
// GroupCase is not valid.
type GroupCase struct {
	Group Group `json:"group" yaml:"group"`
	// Members lists every account of the group with its role, owner and
	// admins included, in any order: Group.Members counts them. Their roles
	// must agree with the group's owner and admins.
	Members    []Membership `json:"members" yaml:"members"`
	Violations []Violation  `json:"violations" yaml:"violations"`
	// Now is the time of the decisions; nothing reads the clock.
	Now time.Time `json:"now" yaml:"now"`
}

// GroupCase returns the case of the group itself.
func (gc *GroupCase) GroupCase() Case {
	return Case{Target: TargetGroup, Group: gc.Group, Violations: gc.Violations, Now: gc.Now}
}

// MemberCase returns the case of the i-th member: the member's account and
// role in the group, for the same violations at the same time.
func (gc *GroupCase) MemberCase(i int) Case {
	m := &gc.Members[i]
	return Case{Target: TargetAccount, Group: gc.Group, Account: &m.Account, Role: m.Role, Violations: gc.Violations, Now: gc.Now}
}
