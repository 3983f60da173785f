package vocab

import "github.com/groupwarden/warden/internal/enumtext"

// Severity is how serious a violation is: low < medium < high < critical.
// Severities are ordered and compare in CEL (`violation.severity >= severity.high`).
// The zero Severity is not a valid severity.
type Severity uint8

// The severities, from least to most serious.
const (
	SeverityLow Severity = iota + 1
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityText = enumtext.New("severity", "", "low", "medium", "high", "critical")

// ParseSeverity returns the severity named s ("low", "medium", "high" or "critical").
func ParseSeverity(s string) (Severity, error) {
	v, err := severityText.Parse(s)
	return Severity(v), err
}

// String returns the severity's name, or "" for the zero value.
func (s Severity) String() string { return severityText.String(uint8(s)) }

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return s >= SeverityLow && s <= SeverityCritical }

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return severityText.Marshal(uint8(s)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := severityText.Parse(string(b))
	*s = Severity(v)
	return err
}

// Role is the part an account plays in a group. Owners and administrators
// answer for their group; members answer only for what they did themselves.
// The zero Role is not a valid role: it stands for "no role", as for a group
// being decided.
type Role uint8

// The roles in a group.
const (
	RoleOwner Role = iota + 1
	RoleAdmin
	RoleMember
)

var roleText = enumtext.New("role", "", "owner", "admin", "member")

// ParseRole returns the role named s ("owner", "admin" or "member").
func ParseRole(s string) (Role, error) { v, err := roleText.Parse(s); return Role(v), err }

// String returns the role's name, or "" for the zero value.
func (r Role) String() string { return roleText.String(uint8(r)) }

// Valid reports whether r is owner, admin or member.
func (r Role) Valid() bool { return r >= RoleOwner && r <= RoleMember }

// Leads reports whether the role runs the group (owner or admin).
func (r Role) Leads() bool { return r == RoleOwner || r == RoleAdmin }

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return roleText.Marshal(uint8(r)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := roleText.Parse(string(b))
	*r = Role(v)
	return err
}

// Target is what a rule or a decision is about: an account or a group.
// The zero Target is not a valid target.
type Target uint8

// The targets of rules and decisions.
const (
	TargetAccount Target = iota + 1
	TargetGroup
)

var targetText = enumtext.New("target", "", "account", "group")

// ParseTarget returns the target named s ("account" or "group").
func ParseTarget(s string) (Target, error) { v, err := targetText.Parse(s); return Target(v), err }

// String returns the target's name, or "" for the zero value.
func (t Target) String() string { return targetText.String(uint8(t)) }

// Valid reports whether t is account or group.
func (t Target) Valid() bool { return t == TargetAccount || t == TargetGroup }

// MarshalText implements encoding.TextMarshaler.
func (t Target) MarshalText() ([]byte, error) { return targetText.Marshal(uint8(t)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Target) UnmarshalText(b []byte) error {
	v, err := targetText.Parse(string(b))
	*t = Target(v)
	return err
}

// Penalty is a measure taken against an account or a group. Accounts climb
// the ladder none < warn < restrict < suspend < ban; groups climb
// none < warn < restrict < suspend < close. Ban and close are the permanent
// top of their ladders and have the same Level. The zero Penalty is
// PenaltyNone, a valid "no measure".
type Penalty uint8

// The penalties. Ban applies only to accounts, Close only to groups.
const (
	PenaltyNone Penalty = iota
	PenaltyWarn
	PenaltyRestrict
	PenaltySuspend
	PenaltyBan
	PenaltyClose
)

var penaltyText = enumtext.New("penalty", "none", "warn", "restrict", "suspend", "ban", "close")

// ParsePenalty returns the penalty named s ("none", "warn", "restrict",
// "suspend", "ban" or "close").
func ParsePenalty(s string) (Penalty, error) { v, err := penaltyText.Parse(s); return Penalty(v), err }

// String returns the penalty's name.
func (p Penalty) String() string { return penaltyText.String(uint8(p)) }

// Valid reports whether p is one of the six penalties.
func (p Penalty) Valid() bool { return p <= PenaltyClose }

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
	return p.Valid()
}

// MarshalText implements encoding.TextMarshaler.
func (p Penalty) MarshalText() ([]byte, error) { return penaltyText.Marshal(uint8(p)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Penalty) UnmarshalText(b []byte) error {
	v, err := penaltyText.Parse(string(b))
	*p = Penalty(v)
	return err
}
