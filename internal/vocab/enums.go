package vocab

// Severity is how serious a violation is: low < medium < high < critical.
// Severities are ordered and compare in CEL (`violation.severity >= severity.high`).
// The zero Severity is not a valid severity.
type Severity uint8

// Role is the part an account plays in a group. Owners and administrators
// answer for their group; members answer only for what they did themselves.
// The zero Role is not a valid role: it stands for "no role", as for a group
// being decided.
type Role uint8

// Leads reports whether the role runs the group (owner or admin).
func (r Role) Leads() bool { return r == RoleOwner || r == RoleAdmin }

// Target is what a rule or a decision is about: an account or a group.
// The zero Target is not a valid target.
type Target uint8

// Penalty is a measure taken against an account or a group. Accounts climb
// the ladder none < warn < restrict < suspend < ban; groups climb
// none < warn < restrict < suspend < close. Ban and close are the permanent
// top of their ladders and have the same Level. The zero Penalty is
// PenaltyNone, a valid "no measure".
type Penalty uint8

// Level places the penalty on its ladder: 0 for none up to 4 for ban and close.
func (p Penalty) Level() int {
	if p == PenaltyClose {
		return int(PenaltyBan)
	}
	return int(p)
}

// Timed reports whether the penalty lasts for a duration (restrict and suspend).
func (p Penalty) Timed() bool { return p == PenaltyRestrict || p == PenaltySuspend }

// Permanent reports whether the penalty has no end (ban and close).
func (p Penalty) Permanent() bool { return p == PenaltyBan || p == PenaltyClose }

// AppliesTo reports whether the penalty can be given to the target: ban only
// to accounts, close only to groups, the others to both.
func (p Penalty) AppliesTo(t Target) bool {
	switch p {
	case PenaltyBan:
		return t == TargetAccount
	case PenaltyClose:
		return t == TargetGroup
	}
	return p.IsValid()
}
