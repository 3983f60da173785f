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
	// MaxMembers is the most members one group case may list:
	// [policy.MaxMembers], which the engine checks too.
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

// badTime says what is wrong with a time of a case, or "" when nothing is.
// Paths are built only for a time found wrong, so a good case costs no
// allocation.
func badTime(t time.Time) string {
	if t.IsZero() {
		return "" // absent
	}
	if t.Before(MinTime) || t.After(MaxTime) {
		return t.UTC().Format(time.RFC3339Nano) + " is outside years 1 to 9999"
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return fmt.Sprintf("the zone offset of %d seconds is not whole minutes under 24 hours", off)
	}
	return ""
}

func timeProblem(path, why string) error { return problem(path, CodeTimeRange, "%s", why) }

func checkRecords(path string, rs []policy.Record) error {
	for i := range rs {
		if why := badTime(rs[i].At); why != "" {
			return timeProblem(policy.JoinPath(policy.IndexPath(path, i), "at"), why)
		}
	}
	return nil
}

// checkLimits checks the sizes, times, enums and amounts of a case, in
// time linear in it. Sums of holdings are checked per case, in each
// currency.
func checkLimits(gc *GroupCase) error {
	if n := len(gc.Members); n > MaxMembers {
		return problem("members", CodeLimit, "%d members, more than MaxMembers (%d)", n, MaxMembers)
	}
	if gc.Now.IsZero() {
		return nil // the engine says that the time is required
	}
	if why := badTime(gc.Now); why != "" {
		return timeProblem("now", why)
	}
	g := &gc.Group
	if why := badTime(g.Created); why != "" {
		return timeProblem("group.created", why)
	}
	if err := checkRecords("group.history", g.History); err != nil {
		return err
	}
	var caseSums map[string]int64
	for i := range gc.Members {
		a := &gc.Members[i].Account
		at := func() string { return policy.JoinPath(policy.IndexPath("members", i), "account") }
		if a.Type > policy.AccountBusiness {
			return problem(policy.JoinPath(at(), "type"), CodeEnum, "%d is not an account type", a.Type)
		}
		if why := badTime(a.Created); why != "" {
			return timeProblem(policy.JoinPath(at(), "created"), why)
		}
		if len(a.History) > 0 {
			if err := checkRecords(policy.JoinPath(at(), "history"), a.History); err != nil {
				return err
			}
		}
		if n := len(a.Holdings); n > MaxHoldings {
			return problem(policy.JoinPath(at(), "holdings"), CodeLimit, "%d holdings, more than MaxHoldings (%d)", n, MaxHoldings)
		}
		for j, h := range a.Holdings {
			hp := func(field string) string {
				return policy.JoinPath(policy.IndexPath(policy.JoinPath(at(), "holdings"), j), field)
			}
			if caseSums == nil {
				caseSums = map[string]int64{}
			}
			switch {
			case h.Kind > policy.AssetWealthManagement:
				return problem(hp("kind"), CodeEnum, "%d is not an asset kind", h.Kind)
			case h.Amount < 0 || h.Amount > MaxAmount:
				return problem(hp("amount"), CodeAmount, "%d is outside 0 … MaxAmount (%d)", h.Amount, MaxAmount)
			case caseSums[h.Currency] > math.MaxInt64-h.Amount:
				return problem(hp("amount"), CodeAmount, "the case's holdings in %s add up to more than an int64 holds", h.Currency)
			}
			caseSums[h.Currency] += h.Amount
		}
	}
	for i := range gc.Violations {
		v := &gc.Violations[i]
		at := func(field string) string { return policy.JoinPath(policy.IndexPath("violations", i), field) }
		if why := badTime(v.Committed); why != "" {
			return timeProblem(at("committed"), why)
		}
		if why := badTime(v.Detected); why != "" {
			return timeProblem(at("detected"), why)
		}
		for j := range v.Evidence.Identifications {
			if why := badTime(v.Evidence.Identifications[j].At); why != "" {
				return timeProblem(policy.JoinPath(policy.IndexPath(at("evidence.identifications"), j), "at"), why)
			}
		}
		for j := range v.Evidence.Reports {
			if why := badTime(v.Evidence.Reports[j].At); why != "" {
				return timeProblem(policy.JoinPath(policy.IndexPath(at("evidence.reports"), j), "at"), why)
			}
		}
		for j := range v.Reviews {
			if why := badTime(v.Reviews[j].At); why != "" {
				return timeProblem(policy.JoinPath(policy.IndexPath(at("reviews"), j), "at"), why)
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
