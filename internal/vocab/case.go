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
