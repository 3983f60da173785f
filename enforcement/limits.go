package enforcement

import (
	"fmt"

	"github.com/groupwarden/warden/policy"
)

// The limits of a group case that Plan checks before anything is decided,
// beside those the engine checks ([policy.MaxMembers], [policy.MaxViolations]
// and the others, times in [policy.MinTime] … [policy.MaxTime], enum values),
// so that no case costs more than its size allows and every plan can be
// written as JSON.
const (
	// MaxMembers is the most members one group case may list:
	// [policy.MaxMembers], which the engine checks.
	MaxMembers = policy.MaxMembers
	// MaxHoldings is the most holdings one account may list.
	MaxHoldings = 64
	// MaxAmount is the largest amount of one holding, in minor units: 2^53,
	// so that amounts stay exact wherever they are read as floating point
	// (JSON in most languages), and the sums of a case are checked below
	// the int64 range.
	MaxAmount int64 = 1 << 53
	// MaxWorkers is the most cases a campaign plans in parallel; more
	// workers than that only cost memory (each holds a window of cases in
	// flight), so [WithWorkers] uses at most this many.
	MaxWorkers = 256
)

// The times a case may hold: the engine refuses any time outside them, and
// Plan any plan whose measures would end after MaxTime, since JSON (RFC
// 3339) has four-digit years only. They are [policy.MinTime] and
// [policy.MaxTime].
var (
	MinTime = policy.MinTime
	MaxTime = policy.MaxTime
)

// The codes of the problems Plan reports for a group case, matched with
// [policy.CodeOf]. Each error wraps ErrInvalidGroupCase and a
// *policy.Problem whose path names the field.
const (
	// CodeLimit: more of something than its limit allows (a holding's
	// currency or product longer than [policy.MaxIDLen] too); the message
	// names the limit.
	CodeLimit policy.Code = "group-case-limit"
	// CodeTimeRange: a time outside MinTime … MaxTime (refused by the
	// engine: [policy.CodeTimeRange]), or measures that would end after
	// MaxTime.
	CodeTimeRange = policy.CodeTimeRange
	// CodeAmount: an amount below zero or above MaxAmount, or holdings whose
	// sum in one currency overflows.
	CodeAmount policy.Code = "group-case-amount"
	// CodeEnum: an enum value set through the Go API that has no name,
	// refused by the engine: [policy.CodeEnum].
	CodeEnum = policy.CodeEnum
)

func problem(path string, code policy.Code, format string, args ...any) error {
	p := &policy.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
	return fmt.Errorf("%w: %w", ErrInvalidGroupCase, p)
}

// checkEnds refuses a plan whose measures or obligations would end after
// MaxTime, which JSON cannot write: the builder remembers the first such
// action, counted by its place in the whole plan (for a group part built
// alone, those left to the account plans included).
func checkEnds(p *Plan, w *work) error {
	if w.late.set {
		return problem("now", CodeTimeRange, "action %d (%s) would end after year 9999", w.late.at+1, w.late.kind)
	}
	for i := range p.Obligations {
		if p.Obligations[i].Until.After(MaxTime) {
			return problem("now", CodeTimeRange, "obligation %d (%s) would end after year 9999", i+1, p.Obligations[i].Kind)
		}
	}
	return nil
}
