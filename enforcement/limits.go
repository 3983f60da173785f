package enforcement

import (
	"fmt"
	"math"
	"time"

	"github.com/groupwarden/warden/policy"
)

// The limits of a group case, checked by Plan before anything is decided,
// so that no case costs more than its size allows and every plan can be
// written as JSON. The engine checks the rest of the case (violations,
// evidence, history) against its own limits.
const (
	// MaxMembers is the most members one group case may list.
	MaxMembers = 100_000
	// MaxHoldings is the most holdings one account may list.
	MaxHoldings = 64
	// MaxAmount is the largest amount of one holding, in minor units: 2^53,
	// so that amounts stay exact wherever they are read as floating point
	// (JSON in most languages), and the sums of a case are checked below
	// the int64 range.
	MaxAmount int64 = 1 << 53
)

// The times a case may hold: Plan refuses any time outside them, and any
// plan whose measures would end after MaxTime, since JSON (RFC 3339) has
// four-digit years only.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// The codes of the problems Plan reports for a group case, matched with
// [policy.CodeOf]. Each error wraps ErrInvalidGroupCase and a
// *policy.Problem whose path names the field.
const (
	// CodeLimit: more of something than its limit allows; the message names
	// the limit.
	CodeLimit policy.Code = "group-case-limit"
	// CodeTimeRange: a time outside MinTime … MaxTime, or measures that
	// would end after MaxTime.
	CodeTimeRange policy.Code = "group-case-time-range"
	// CodeAmount: an amount below zero or above MaxAmount, or holdings whose
	// sum in one currency overflows.
	CodeAmount policy.Code = "group-case-amount"
	// CodeEnum: an enum value set through the Go API that has no name.
	CodeEnum policy.Code = "group-case-enum"
)

func problem(path string, code policy.Code, format string, args ...any) error {
	p := &policy.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
	return fmt.Errorf("%w: %w", ErrInvalidGroupCase, p)
}

func checkTime(path string, t time.Time) error {
	if t.IsZero() {
		return nil // absent
	}
	if t.Before(MinTime) || t.After(MaxTime) {
		return problem(path, CodeTimeRange, "%s is outside years 1 to 9999", t.UTC().Format(time.RFC3339Nano))
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return problem(path, CodeTimeRange, "the zone offset of %d seconds is not whole minutes under 24 hours", off)
	}
	return nil
}

func checkRecords(path string, rs []policy.Record) error {
	for i, r := range rs {
		if err := checkTime(policy.JoinPath(policy.IndexPath(path, i), "at"), r.At); err != nil {
			return err
		}
	}
	return nil
}

// checkLimits checks the sizes, times, enums and amounts of a case, in
// time linear in it. Sums of holdings are checked per account and per
// case, in each currency.
func checkLimits(gc *GroupCase) error {
	if n := len(gc.Members); n > MaxMembers {
		return problem("members", CodeLimit, "%d members, more than MaxMembers (%d)", n, MaxMembers)
	}
	if gc.Now.IsZero() {
		return nil // the engine says that the time is required
	}
	if err := checkTime("now", gc.Now); err != nil {
		return err
	}
	g := &gc.Group
	if err := checkTime("group.created", g.Created); err != nil {
		return err
	}
	if g.Status > policy.GroupClosed {
		return problem("group.status", CodeEnum, "%d is not a group status", g.Status)
	}
	if err := checkRecords("group.history", g.History); err != nil {
		return err
	}
	caseSums := map[string]int64{}
	for i := range gc.Members {
		a := &gc.Members[i].Account
		at := policy.JoinPath(policy.IndexPath("members", i), "account")
		if a.Type > policy.AccountBusiness {
			return problem(policy.JoinPath(at, "type"), CodeEnum, "%d is not an account type", a.Type)
		}
		if err := checkTime(policy.JoinPath(at, "created"), a.Created); err != nil {
			return err
		}
		if err := checkRecords(policy.JoinPath(at, "history"), a.History); err != nil {
			return err
		}
		if n := len(a.Holdings); n > MaxHoldings {
			return problem(policy.JoinPath(at, "holdings"), CodeLimit, "%d holdings, more than MaxHoldings (%d)", n, MaxHoldings)
		}
		for j, h := range a.Holdings {
			hp := policy.IndexPath(policy.JoinPath(at, "holdings"), j)
			switch {
			case h.Kind > policy.AssetWealthManagement:
				return problem(policy.JoinPath(hp, "kind"), CodeEnum, "%d is not an asset kind", h.Kind)
			case h.Amount < 0 || h.Amount > MaxAmount:
				return problem(policy.JoinPath(hp, "amount"), CodeAmount, "%d is outside 0 … MaxAmount (%d)", h.Amount, MaxAmount)
			case caseSums[h.Currency] > math.MaxInt64-h.Amount:
				return problem(policy.JoinPath(hp, "amount"), CodeAmount, "the case's holdings in %s add up to more than an int64 holds", h.Currency)
			}
			caseSums[h.Currency] += h.Amount
		}
	}
	for i := range gc.Violations {
		v := &gc.Violations[i]
		at := policy.IndexPath("violations", i)
		for _, t := range []struct {
			field string
			t     time.Time
		}{{"committed", v.Committed}, {"detected", v.Detected}} {
			if err := checkTime(policy.JoinPath(at, t.field), t.t); err != nil {
				return err
			}
		}
		for j, id := range v.Evidence.Identifications {
			if err := checkTime(policy.JoinPath(policy.IndexPath(policy.JoinPath(at, "evidence.identifications"), j), "at"), id.At); err != nil {
				return err
			}
		}
		for j, r := range v.Evidence.Reports {
			if err := checkTime(policy.JoinPath(policy.IndexPath(policy.JoinPath(at, "evidence.reports"), j), "at"), r.At); err != nil {
				return err
			}
		}
		for j, r := range v.Reviews {
			if err := checkTime(policy.JoinPath(policy.IndexPath(policy.JoinPath(at, "reviews"), j), "at"), r.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEnds refuses a plan whose measures or obligations would end after
// MaxTime, which JSON cannot write.
func checkEnds(p *Plan) error {
	for i := range p.Actions {
		if p.Actions[i].Until.After(MaxTime) {
			return problem("now", CodeTimeRange, "action %d (%s) would end after year 9999", i+1, p.Actions[i].Kind)
		}
	}
	for i := range p.Obligations {
		if p.Obligations[i].Until.After(MaxTime) {
			return problem("now", CodeTimeRange, "obligation %d (%s) would end after year 9999", i+1, p.Obligations[i].Kind)
		}
	}
	return nil
}
