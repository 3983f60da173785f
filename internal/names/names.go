// Package names is the one table of the names a rule expression reads:
// each name with its CEL type, the resolver that reads its value from the
// decision's scope, the section and the line of documentation it gets. The
// compiler declares the names from it, the activation of package policy
// resolves them with it, explanations list the ones a rule read, and the
// reference tables in RULES.md and the policy package doc are generated
// from it (a test fails when they drift).
package names

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/vocab"
)

// Scope is what the names of one evaluation read: one subject of a case
// and one of its violations, as of the case's time. The activation of a
// decision keeps one and points it at each violation in turn.
type Scope struct {
	// Group and Now are the case's; Categories the policy's catalogue.
	Group      *vocab.Group
	Now        time.Time
	Categories []vocab.Category

	// The subject: the account decided, or the group.
	SubjectID string
	Role      vocab.Role
	RealName  bool
	Business  bool
	Created   time.Time
	History   []vocab.Record

	// The current violation: Cat is its category index; Review its latest
	// review as of Now, Verified whether it passed the double judgment then;
	// IsActor whether the subject committed it.
	V        *vocab.Violation
	Cat      uint8
	Review   *vocab.Review
	Verified bool
	IsActor  bool
}

// Section groups the names in the documentation.
type Section uint8

// The sections of the reference.
const (
	SectionViolation Section = iota + 1 // violation.*
	SectionSubject                      // subject.*
	SectionGroup                        // group.* and now
)

// Name is one name a rule expression can read.
type Name struct {
	Name    string
	Type    *types.Type
	Section Section
	// Doc is the one line of the reference about it.
	Doc string
	// Resolve reads its value from a scope.
	Resolve func(*Scope) ref.Val
	// Key reads the value of a name of a finite kind as a number, without
	// boxing it: an enum's byte, 0 or 1 for a bool, a count, a duration's
	// nanoseconds. It is what a case space computes a cell from; nil for
	// the other names. It agrees with Resolve (TestKeysAgreeWithResolve).
	Key func(*Scope) int64
}

// b2i is a bool as a key: 1 for true.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

var table = [...]Name{
	{"violation", celx.ViolationType, SectionViolation, "the violation itself, for `verified(violation)`",
		func(s *Scope) ref.Val { return Violation{s} },
		nil},
	{"violation.id", types.StringType, SectionViolation, "its id",
		func(s *Scope) ref.Val { return types.String(s.V.ID) },
		nil},
	{"violation.category", celx.CategoryType, SectionViolation, "compare with `category.<name>`",
		func(s *Scope) ref.Val { return celx.Category(s.Cat) },
		func(s *Scope) int64 { return int64(s.Cat) }},
	{"violation.severity", celx.SeverityType, SectionViolation, "ordered: compare with `severity.low` … `severity.critical`",
		func(s *Scope) ref.Val { return celx.Severity(s.V.Severity) },
		func(s *Scope) int64 { return int64(s.V.Severity) }},
	{"violation.verified", types.BoolType, SectionViolation, "a technical identification, and a latest manual review that confirms it",
		func(s *Scope) ref.Val { return types.Bool(s.Verified) },
		func(s *Scope) int64 { return b2i(s.Verified) }},
	{"violation.automated", types.BoolType, SectionViolation, "found by a technical identification (hash match, classifier, keyword)",
		func(s *Scope) ref.Val { return types.Bool(s.V.Automated()) },
		func(s *Scope) int64 { return b2i(s.V.Automated()) }},
	{"violation.confidence", types.DoubleType, SectionViolation, "the highest confidence of its identifications, 0 to 1",
		func(s *Scope) ref.Val { return types.Double(s.V.Confidence()) },
		nil},
	{"violation.reports", types.IntType, SectionViolation, "how many reports it has",
		func(s *Scope) ref.Val { return types.Int(len(s.V.Evidence.Reports)) },
		func(s *Scope) int64 { return int64(len(s.V.Evidence.Reports)) }},
	{"violation.trusted_report", types.BoolType, SectionViolation, "reported by a trusted flagger or an authority",
		func(s *Scope) ref.Val { return types.Bool(trustedReport(s.V)) },
		func(s *Scope) int64 { return b2i(trustedReport(s.V)) }},
	{"violation.zero_tolerance", types.BoolType, SectionViolation, "its category is zero-tolerance",
		func(s *Scope) ref.Val { return types.Bool(s.Categories[s.Cat].ZeroTolerance) },
		func(s *Scope) int64 { return b2i(s.Categories[s.Cat].ZeroTolerance) }},
	{"subject.id", types.StringType, SectionSubject, "the account's or the group's id",
		func(s *Scope) ref.Val { return types.String(s.SubjectID) },
		nil},
	{"subject.role", celx.RoleType, SectionSubject, "`role.owner`, `role.admin` or `role.member`; no role for a group",
		func(s *Scope) ref.Val { return celx.Role(s.Role) },
		func(s *Scope) int64 { return int64(s.Role) }},
	{"subject.is_actor", types.BoolType, SectionSubject, "the account committed the violation (never for a group)",
		func(s *Scope) ref.Val { return types.Bool(s.IsActor) },
		func(s *Scope) int64 { return b2i(s.IsActor) }},
	{"subject.real_name", types.BoolType, SectionSubject, "the account holder's real name is verified",
		func(s *Scope) ref.Val { return types.Bool(s.RealName) },
		func(s *Scope) int64 { return b2i(s.RealName) }},
	{"subject.business", types.BoolType, SectionSubject, "a business account",
		func(s *Scope) ref.Val { return types.Bool(s.Business) },
		func(s *Scope) int64 { return b2i(s.Business) }},
	{"subject.age", types.DurationType, SectionSubject, "time since the account or group was created; zero when unknown",
		func(s *Scope) ref.Val { return types.Duration{Duration: s.age(s.Created)} },
		func(s *Scope) int64 { return int64(s.age(s.Created)) }},
	{"subject.prior_penalties", types.IntType, SectionSubject, "how many records its enforcement history has",
		func(s *Scope) ref.Val { return types.Int(len(s.History)) },
		func(s *Scope) int64 { return int64(len(s.History)) }},
	{"group.id", types.StringType, SectionGroup, "the group's id",
		func(s *Scope) ref.Val { return types.String(s.Group.ID) },
		nil},
	{"group.members", types.IntType, SectionGroup, "how many accounts it has, owner and admins included",
		func(s *Scope) ref.Val { return types.Int(s.Group.Members) },
		func(s *Scope) int64 { return int64(s.Group.Members) }},
	{"group.admins", types.IntType, SectionGroup, "how many administrators it has",
		func(s *Scope) ref.Val { return types.Int(len(s.Group.Admins)) },
		func(s *Scope) int64 { return int64(len(s.Group.Admins)) }},
	{"group.age", types.DurationType, SectionGroup, "time since it was created; zero when unknown",
		func(s *Scope) ref.Val { return types.Duration{Duration: s.age(s.Group.Created)} },
		func(s *Scope) int64 { return int64(s.age(s.Group.Created)) }},
	{"now", types.TimestampType, SectionGroup, "the time of the decision, given by the caller (warden never reads the clock)",
		func(s *Scope) ref.Val { return types.Timestamp{Time: s.Now} },
		nil},
}

// All returns every name, in the order of the reference.
func All() []Name { return slices.Clone(table[:]) }

// Lookup returns the entry of a name.
func Lookup(name string) (Name, bool) {
	i := indexOf(name)
	if i < 0 {
		return Name{}, false
	}
	return table[i], true
}

// Resolve returns the value of a name in the scope, and false for a name
// that is not in the table (a variable, for instance).
func (s *Scope) Resolve(name string) (ref.Val, bool) {
	i := indexOf(name)
	if i < 0 {
		return nil, false
	}
	return table[i].Resolve(s), true
}

// age is the time since t, or zero when t is unknown or in the future.
func (s *Scope) age(t time.Time) time.Duration {
	if t.IsZero() || t.After(s.Now) {
		return 0
	}
	return s.Now.Sub(t)
}

// trustedReport reports whether a trusted flagger or an authority reported v.
func trustedReport(v *vocab.Violation) bool {
	for _, r := range v.Evidence.Reports {
		if r.Source == vocab.SourceTrustedFlagger || r.Source == vocab.SourceAuthority {
			return true
		}
	}
	return false
}

// TypeName is how the reference names a CEL type.
func TypeName(t *types.Type) string {
	switch t {
	case celx.ViolationType:
		return "violation"
	case celx.CategoryType:
		return "category"
	case celx.SeverityType:
		return "severity"
	case celx.RoleType:
		return "role"
	case celx.PenaltyType:
		return "penalty"
	case types.TimestampType:
		return "timestamp"
	case types.DurationType:
		return "duration"
	}
	return t.TypeName()
}

// Violation is the CEL value of `violation`: the scope's current violation,
// as of the case's time.
type Violation struct{ s *Scope }

// Verified reports whether the violation passed the double judgment, for
// the verified(violation) function.
func (v Violation) Verified() bool { return v.s.Verified }

// ID is the violation's id, for explanations.
func (v Violation) ID() string { return v.s.V.ID }

// ConvertToNative implements ref.Val.
func (v Violation) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[*vocab.Violation]() {
		return v.s.V, nil
	}
	return nil, fmt.Errorf("cannot convert violation to %v", t)
}

// ConvertToType implements ref.Val.
func (v Violation) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case celx.ViolationType:
		return v
	case types.TypeType:
		return celx.ViolationType
	}
	return types.NewErr("type conversion error from violation to '%s'", t.TypeName())
}

// Equal implements ref.Val.
func (v Violation) Equal(other ref.Val) ref.Val {
	o, ok := other.(Violation)
	return types.Bool(ok && o.s.V == v.s.V)
}

// Type implements ref.Val.
func (v Violation) Type() ref.Type { return celx.ViolationType }

// Value implements ref.Val.
func (v Violation) Value() any { return v.s.V }
