package appeal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Config is the configuration of penalty appeals.
type Config struct {
	// Window is how long after a decision the penalised user may contest
	// it when the decision carries no window of its own. Whatever it says,
	// a window is never shorter than six calendar months
	// (funds.AppealCloses, the one place that floor is written).
	Window time.Duration `json:"window"`
}

// DefaultConfig opens appeals for 183 days.
func DefaultConfig() Config { return Config{Window: 183 * 24 * time.Hour} }

// Contest is a penalised user's appeal against the decision of a plan.
type Contest struct {
	// ID identifies the contest: a digest of the plan, the account, the
	// filing time and the grounds. The reduced measure and the release
	// events of its ruling are keyed by it, so two contests never share
	// those keys; the undo actions keep the plan's keys, so a measure is
	// undone once however many contests overturn it. A contest knows
	// nothing of another on the same decision: a measure a first ruling
	// reduced to is not undone by a second ruling.
	ID       string          `json:"id"`
	Plan     string          `json:"plan"`
	Account  string          `json:"account"`
	Decision policy.Decision `json:"decision"`
	FiledAt  time.Time       `json:"filed_at"`
	Grounds  string          `json:"grounds"`
	// Reviewers are the people who reviewed the violations behind the
	// decision (the winning one, and every other a rule matched for the
	// account); none of them may rule on the appeal.
	Reviewers []string `json:"reviewers,omitempty"`
	// Undo are the plan's undo actions for the account's measures, and
	// Claims the funds-recovery claims of its frozen holdings
	// (enforcement.Freeze.Claim): a contest carries what resolving it
	// needs, so it can be stored between filing and ruling.
	Undo   []enforcement.Action `json:"undo,omitempty"`
	Claims []string             `json:"claims,omitempty"`
}

// File opens an appeal of account against its decision in the plan. It is
// open for the decision's appeal window (the policy's), or the config's
// when the decision has none, from the time of the decision.
func (cfg Config) File(plan *enforcement.Plan, account string, at time.Time, grounds string) (*Contest, error) {
	i := slices.IndexFunc(plan.Decisions, func(d policy.Decision) bool { return d.Subject == account })
	if i < 0 {
		return nil, contestErr(CodeNoPenalty, "account", "plan %s gives account %s no penalty to contest", plan.ID, account)
	}
	d := plan.Decisions[i]
	window := time.Duration(d.Appeal.Window)
	if window <= 0 {
		window = cfg.Window
	}
	closes := funds.AppealCloses(d.At, window)
	switch {
	case at.Before(d.At):
		return nil, contestErr(CodeOutsideWindow, "filed_at", "filed at %s, before the decision of %s", at.Format(time.DateOnly), d.At.Format(time.DateOnly))
	case at.After(closes):
		return nil, contestErr(CodeOutsideWindow, "filed_at", "the appeal window closed on %s", closes.Format(time.DateOnly))
	case blank(grounds):
		return nil, contestErr(CodeInvalidContest, "grounds", "an appeal says why the decision is wrong")
	}
	c := &Contest{ID: contestID(plan.ID, account, at, grounds), Plan: plan.ID, Account: account, Decision: d, FiledAt: at, Grounds: grounds}
	for _, a := range plan.Actions {
		if a.Subject == account && a.Undo != nil && a.Kind != enforcement.FreezeFunds {
			c.Undo = append(c.Undo, *a.Undo)
		}
	}
	for _, f := range plan.Freezes() {
		if f.Account == account {
			c.Claims = append(c.Claims, f.Claim)
		}
	}
	// Whoever reviewed a violation a rule matched for the account judged
	// part of the case against it: the winning violation's reviewers, and
	// those of every other violation behind a match.
	behind := []string{d.Violation}
	for _, m := range d.Matches {
		behind = append(behind, m.Violation)
	}
	for _, v := range plan.Violations {
		if !slices.Contains(behind, v.ID) {
			continue
		}
		for _, r := range v.Reviews {
			if !slices.ContainsFunc(c.Reviewers, func(s string) bool { return funds.SamePerson(s, r.Reviewer) }) {
				c.Reviewers = append(c.Reviewers, r.Reviewer)
			}
		}
	}
	return c, nil
}

// blank reports whether s shows nothing: only space and invisible
// characters.
func blank(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cc, unicode.Cf) })
}

func contestID(plan, account string, at time.Time, grounds string) string {
	h := sha256.New()
	for _, s := range []string{plan, account, at.UTC().Format(time.RFC3339Nano), grounds} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return "contest-" + hex.EncodeToString(h.Sum(nil))[:20]
}

// Ruling is the decision on an appeal, as the person who took it states it.
type Ruling struct {
	Disposition Disposition `json:"disposition"`
	// By is the person who rules: never one of the contest's reviewers.
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	// Penalty and Duration are the reduced penalty; only for
	// DispositionReduced, and lower than the one contested.
	Penalty  policy.Penalty  `json:"penalty,omitempty"`
	Duration policy.Duration `json:"duration,omitempty"`
}

// Resolution is a ruling and what carries it out.
type Resolution struct {
	Contest Contest `json:"contest"`
	Ruling  Ruling  `json:"ruling"`
	// Penalty and Duration are what remains of the penalty.
	Penalty  policy.Penalty  `json:"penalty"`
	Duration policy.Duration `json:"duration,omitempty"`
	// Actions undo the original measures and apply a reduced one; evidence
	// and reports are never undone. Their keys are unique per contest and
	// measure.
	Actions []enforcement.Action `json:"actions,omitempty"`
	// Releases release the account's frozen funds through their claims
	// when the ruling lifts the ban: one EventReleased per claim, naming
	// the account, so that a claim of another account refuses it. Apply
	// each to its claim (stamped with funds.Claim.Next); the claim releases
	// what it still holds, and funds.ReleaseAction gives the action that
	// returns exactly that.
	Releases []Release `json:"releases,omitempty"`
}

// Release is the event that releases one claim's funds.
type Release struct {
	Claim string      `json:"claim"`
	Event funds.Event `json:"event"`
}

// Resolve rules on the appeal. A person other than the original reviewers
// rules (names compare as funds.SamePerson does); a reduced penalty must be
// lower than the one contested. Overturning yields the undo actions of the
// plan for the account and releases its frozen funds; reducing yields the
// undo of the original measure and the reduced one, and releases the funds
// when the ban is lifted. A ruling, or a reduced measure ending, after
// policy.MaxTime is refused: the resolution could not be stored.
func (c *Contest) Resolve(r Ruling) (*Resolution, error) {
	d := c.Decision
	switch {
	case funds.SamePerson(r.By, ""):
		return nil, contestErr(CodeInvalidContest, "by", "a person rules on an appeal")
	case slices.ContainsFunc(c.Reviewers, func(s string) bool { return funds.SamePerson(s, r.By) }):
		return nil, contestErr(CodeReviewerRules, "by", "%s reviewed a violation behind the decision and cannot rule on the appeal against it", r.By)
	case r.At.Before(c.FiledAt):
		return nil, contestErr(CodeOutsideWindow, "at", "ruled before the appeal was filed")
	case r.At.After(policy.MaxTime):
		return nil, contestErr(CodeOutsideWindow, "at", "ruled after year 9999, which a stored resolution cannot say")
	case blank(r.Reason):
		return nil, contestErr(CodeInvalidContest, "reason", "a ruling gives its reason")
	case !r.Disposition.IsValid():
		return nil, contestErr(CodeInvalidContest, "disposition", "unknown disposition %d", r.Disposition)
	case r.Disposition != DispositionReduced && (r.Penalty != policy.PenaltyNone || r.Duration != 0):
		return nil, contestErr(CodeInvalidContest, "penalty", "only a reduction names a penalty")
	}
	res := &Resolution{Contest: *c, Ruling: r, Penalty: d.Penalty, Duration: d.Duration}
	lifted := false
	switch r.Disposition {
	case DispositionUpheld:
	case DispositionOverturned:
		res.Penalty, res.Duration = policy.PenaltyNone, 0
		res.Actions = slices.Clone(c.Undo)
		lifted = true
	case DispositionReduced:
		lower := r.Penalty.Level() < d.Penalty.Level() || r.Penalty.Level() == d.Penalty.Level() && r.Duration < d.Duration && r.Penalty.Timed()
		kind, ok := enforcement.AccountActionKind(r.Penalty)
		switch {
		case !ok || !lower:
			return nil, contestErr(CodeNotLower, "penalty", "%s %s is not lower than the contested %s %s", r.Penalty, r.Duration, d.Penalty, d.Duration)
		case r.Penalty.Timed() && r.Duration <= 0:
			return nil, contestErr(CodeInvalidContest, "duration", "a reduced %s needs a duration", r.Penalty)
		case !r.Penalty.Timed() && r.Duration != 0:
			return nil, contestErr(CodeInvalidContest, "duration", "%s takes no duration", r.Penalty)
		case r.Penalty.Timed() && d.At.Add(time.Duration(r.Duration)).After(policy.MaxTime):
			return nil, contestErr(CodeInvalidContest, "duration", "a reduced %s would end after year 9999, which a stored action cannot say", r.Penalty)
		}
		res.Penalty, res.Duration = r.Penalty, r.Duration
		res.Actions = slices.Clone(c.Undo)
		lifted = r.Penalty != policy.PenaltyBan
		a := enforcement.Action{Kind: kind, Subject: c.Account, Violation: d.Violation, Key: c.ID + "-" + kind.String()}
		if r.Penalty.Timed() {
			a.Until = d.At.Add(time.Duration(r.Duration))
		}
		res.Actions = append(res.Actions, a)
	}
	for i := range res.Actions {
		res.Actions[i].Seq = i + 1
	}
	if lifted {
		for _, claim := range c.Claims {
			res.Releases = append(res.Releases, Release{Claim: claim, Event: funds.Event{
				ID: c.ID + "-release-" + claim, Kind: funds.EventReleased, At: r.At, By: r.By, Reference: c.ID, Account: c.Account}})
		}
	}
	return res, nil
}

// Disposition is how an appeal ends. The zero Disposition is not valid.
type Disposition uint8

// The dispositions of an appeal.
const (
	DispositionUpheld Disposition = iota + 1
	DispositionOverturned
	DispositionReduced
)

var dispositionText = []string{"", "upheld", "overturned", "reduced"}

// ParseDisposition returns the disposition named s.
func ParseDisposition(s string) (Disposition, error) {
	if i := slices.Index(dispositionText, s); i > 0 {
		return Disposition(i), nil
	}
	return 0, fmt.Errorf("unknown disposition %q (want one of: upheld, overturned, reduced)", s)
}

// String returns the disposition's name, "" for the zero Disposition.
func (d Disposition) String() string {
	if int(d) < len(dispositionText) {
		return dispositionText[d]
	}
	return fmt.Sprintf("disposition(%d)", uint8(d))
}

// IsValid reports whether d is one of the dispositions above.
func (d Disposition) IsValid() bool { return d >= DispositionUpheld && d <= DispositionReduced }

// MarshalText implements encoding.TextMarshaler.
func (d Disposition) MarshalText() ([]byte, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("invalid disposition %d", uint8(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Disposition) UnmarshalText(b []byte) error {
	v, err := ParseDisposition(string(b))
	*d = v
	return err
}

// The codes of refused contests and rulings, as policy.Code values.
const (
	CodeNoPenalty      policy.Code = "no-penalty"      // the plan gives the account nothing to contest
	CodeOutsideWindow  policy.Code = "outside-window"  // filed before the decision or after the window, ruled before filing
	CodeInvalidContest policy.Code = "invalid-contest" // a field is missing or malformed
	CodeReviewerRules  policy.Code = "reviewer-rules"  // a reviewer of the violation rules on its appeal
	CodeNotLower       policy.Code = "not-lower"       // a reduction that is not lower than the penalty
)

// ErrAppeal is matched with errors.Is by every error of filing or
// resolving an appeal.
var ErrAppeal = errors.New("appeal")

// ContestError is a refused contest or ruling. Path names the field of
// File's arguments or of the Ruling at fault.
type ContestError struct {
	Code   policy.Code `json:"code"`
	Path   string      `json:"path,omitempty"`
	Reason string      `json:"reason"`
}

// Error says what is wrong, and where.
func (e *ContestError) Error() string {
	return fmt.Sprintf("appeal: %s: %s: %s", e.Path, e.Code, e.Reason)
}

// Is makes errors.Is(err, ErrAppeal) true.
func (e *ContestError) Is(target error) bool { return target == ErrAppeal }

// Unwrap returns the error as a *policy.Problem, for policy.CodeOf.
func (e *ContestError) Unwrap() error {
	return &policy.Problem{Path: e.Path, Code: e.Code, Message: e.Reason}
}

func contestErr(code policy.Code, path, format string, args ...any) error {
	return &ContestError{Code: code, Path: path, Reason: fmt.Sprintf(format, args...)}
}
