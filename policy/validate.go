package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/groupwarden/warden/internal/compiler"
)

// ErrInvalidCase is wrapped by every error [Engine.Decide] and
// [Engine.DecideGroup] return for a malformed case, with the [*Problem]
// that says what and where.
var ErrInvalidCase = errors.New("invalid case")

// invalid returns the error for a malformed case: a problem at path,
// wrapped with ErrInvalidCase.
func invalid(path string, code Code, format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrInvalidCase, &Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// validate checks a case before it is decided and returns the subject's
// role. It records the facts of each violation in the state.
func (e *Engine) validate(c *Case, st *evalState) (Role, error) {
	if err := e.validateShared(c, st); err != nil {
		return 0, err
	}
	return e.validateSubject(c, noMember, newRoles(&c.Group))
}

// validateShared checks what all subjects of a case share: the target, the
// time, the group and the violations.
func (e *Engine) validateShared(c *Case, st *evalState) error {
	if !c.Target.IsValid() {
		return invalid("target", CodeInvalidValue, "want account or group, got %q", c.Target.String())
	}
	if c.Now.IsZero() {
		return invalid("now", CodeMissingField, "the time of the decision is required")
	}
	if !plainTime(c.Now) {
		if err := checkTime(c.Now, func() string { return "now" }); err != nil {
			return err
		}
	}
	if err := checkGroup(&c.Group); err != nil {
		return err
	}
	switch n := len(c.Violations); {
	case n == 0:
		return invalid("violations", CodeMissingField, "at least one is required")
	case n > MaxViolations:
		return invalid("violations", CodeTooMany, "%d violations, more than MaxViolations (%d)", n, MaxViolations)
	}
	st.viols = st.viols[:0]
	for i := range c.Violations {
		cat, err := e.checkViolation(c, i)
		if err != nil {
			return err
		}
		st.viols = append(st.viols, facts(c, &c.Violations[i], cat))
	}
	if dup, _, ok := firstDuplicate(len(c.Violations), func(i int) string { return c.Violations[i].ID }); ok {
		return invalid(JoinPath(IndexPath("violations", dup), "id"), CodeDuplicateID, "%q appears twice", c.Violations[dup].ID)
	}
	return nil
}

// checkGroup checks a case's group: its ids, its admins and its history.
func checkGroup(g *Group) error {
	if badID(g.ID) {
		return checkID("group.id", g.ID)
	}
	if badID(g.Owner) {
		return checkID("group.owner", g.Owner)
	}
	if g.Members < 0 {
		return invalid("group.members", CodeInvalidValue, "%d is negative", g.Members)
	}
	if n := len(g.Admins); n > MaxAdmins {
		return invalid("group.admins", CodeTooMany, "%d admins, more than MaxAdmins (%d)", n, MaxAdmins)
	}
	for i, a := range g.Admins {
		if badID(a) {
			return checkID(IndexPath("group.admins", i), a)
		}
		if a == g.Owner {
			return invalid(IndexPath("group.admins", i), CodeContradiction, "%q is the group's owner; an owner is not listed as an admin", a)
		}
	}
	if dup, first, ok := firstDuplicate(len(g.Admins), func(i int) string { return g.Admins[i] }); ok {
		return invalid(IndexPath("group.admins", dup), CodeDuplicateID, "%q is group.admins[%d] already", g.Admins[dup], first)
	}
	if !plainTime(g.Created) {
		if err := checkTime(g.Created, func() string { return "group.created" }); err != nil {
			return err
		}
	}
	if len(g.History) == 0 {
		return nil // told without a call
	}
	return checkHistory(func() string { return "group.history" }, g.History)
}

// noMember is the member index of a case that is not a group case's member.
const noMember = -1

// subjectPath names a field of a case's subject: account.id in a case,
// members[2].account.id for the third member of a group case.
func subjectPath(member int, field string) string {
	if member == noMember {
		return field
	}
	return JoinPath(IndexPath("members", member), field)
}

// validateSubject checks the subject of a case and returns its role. member
// is the subject's index in a group case's members, or noMember.
func (e *Engine) validateSubject(c *Case, member int, rs roles) (Role, error) {
	g := &c.Group
	switch c.Target {
	case TargetAccount:
		a := c.Account
		// Paths are built only for a field found wrong: a group case checks
		// every member, and a good one must cost no allocation.
		at := func(field string) string { return subjectPath(member, field) }
		if a == nil {
			return 0, invalid(at("account"), CodeMissingField, "required for an account target")
		}
		if badID(a.ID) {
			return 0, checkID(at("account.id"), a.ID)
		}
		if len(a.History) > 0 {
			if err := checkHistory(func() string { return at("account.history") }, a.History); err != nil {
				return 0, err
			}
		}
		if !plainName(a.Holder) {
			if err := checkHolder(at("account.holder"), a.Holder); err != nil {
				return 0, err
			}
		}
		if a.Type > AccountBusiness {
			return 0, invalid(at("account.type"), CodeEnum, "%d is not an account type", a.Type)
		}
		if !plainTime(a.Created) {
			if err := checkTime(a.Created, func() string { return at("account.created") }); err != nil {
				return 0, err
			}
		}
		for j := range a.Holdings {
			if k := a.Holdings[j].Kind; k > AssetWealthManagement {
				return 0, invalid(JoinPath(IndexPath(at("account.holdings"), j), "kind"), CodeEnum, "%d is not an asset kind", k)
			}
		}
		role := rs.of(a.ID)
		if c.Role != 0 && c.Role != role {
			if !c.Role.IsValid() {
				return 0, invalid(at("role"), CodeInvalidValue, "%q is not a role", c.Role.String())
			}
			return 0, invalid(at("role"), CodeContradiction, "account %s is %s of group %s by its owner and admins, not %s", a.ID, role, g.ID, c.Role)
		}
		return role, nil
	case TargetGroup:
		if c.Account != nil {
			return 0, invalid("account", CodeContradiction, "must be empty for a group target (decide each account with an account target)")
		}
		if c.Role != 0 {
			return 0, invalid("role", CodeContradiction, "must be empty for a group target")
		}
	}
	return 0, nil
}

func (e *Engine) checkViolation(c *Case, i int) (uint8, error) {
	v := &c.Violations[i]
	at := func(field string) string { return JoinPath(IndexPath("violations", i), field) }
	if badID(v.ID) {
		return 0, checkID(at("id"), v.ID)
	}
	cat, ok := e.p.CategoryIndex(v.Category)
	if !ok {
		names := make([]string, len(e.p.Categories))
		for j, cat := range e.p.Categories {
			names[j] = cat.Name
		}
		return 0, invalid(at("category"), CodeUnknownCategory, "unknown category %q (the policy %s declares: %s)", v.Category, e.p.Ref.Name, strings.Join(names, ", "))
	}
	if !v.Severity.IsValid() {
		return 0, invalid(at("severity"), CodeInvalidValue, "want low, medium, high or critical")
	}
	if len(v.Actor) > compiler.MaxIDLen {
		return 0, invalid(at("actor"), CodeInvalidValue, "longer than %d bytes", compiler.MaxIDLen)
	}
	if !plainTime(v.Committed) || !plainTime(v.Detected) || !plainEvidenceTimes(v) {
		if err := checkViolationTimes(v, i); err != nil {
			return 0, err
		}
	}
	if v.Group != "" && v.Group != c.Group.ID {
		return 0, invalid(at("group"), CodeContradiction, "%q is not the case's group %q", v.Group, c.Group.ID)
	}
	if n := len(v.Evidence.Identifications); n > MaxEvidence {
		return 0, invalid(at("evidence.identifications"), CodeTooMany, "%d identifications, more than MaxEvidence (%d)", n, MaxEvidence)
	}
	if n := len(v.Evidence.Reports); n > MaxEvidence {
		return 0, invalid(at("evidence.reports"), CodeTooMany, "%d reports, more than MaxEvidence (%d)", n, MaxEvidence)
	}
	for j, id := range v.Evidence.Identifications {
		at := func(field string) string {
			return JoinPath(IndexPath(at("evidence.identifications"), j), field)
		}
		if id.Method < MethodHashMatch || id.Method > MethodKeyword {
			return 0, invalid(at("method"), CodeInvalidValue, "want hash_match, classifier or keyword")
		}
		if id.Confidence < 0 || id.Confidence > 1 || id.Confidence != id.Confidence {
			return 0, invalid(at("confidence"), CodeInvalidValue, "%v is not between 0 and 1", id.Confidence)
		}
	}
	for j, r := range v.Evidence.Reports {
		if r.Source < SourceUser || r.Source > SourceAuthority {
			return 0, invalid(JoinPath(IndexPath(at("evidence.reports"), j), "source"), CodeInvalidValue, "want user, trusted_flagger or authority")
		}
	}
	if n := len(v.Reviews); n > MaxReviews {
		return 0, invalid(at("reviews"), CodeTooMany, "%d reviews, more than MaxReviews (%d)", n, MaxReviews)
	}
	for j, r := range v.Reviews {
		if r.Reviewer == "" {
			return 0, invalid(JoinPath(IndexPath(at("reviews"), j), "reviewer"), CodeMissingField, "a review names the person who made it")
		}
		if r.Verdict != VerdictConfirmed && r.Verdict != VerdictRejected {
			return 0, invalid(JoinPath(IndexPath(at("reviews"), j), "verdict"), CodeInvalidValue, "want confirmed or rejected")
		}
	}
	return cat, nil
}

// badID reports whether an id is one checkID refuses.
func badID(id string) bool { return id == "" || len(id) > compiler.MaxIDLen }

func checkID(path, id string) error {
	switch {
	case id == "":
		return invalid(path, CodeMissingField, "required")
	case len(id) > compiler.MaxIDLen:
		return invalid(path, CodeInvalidValue, "longer than %d bytes", compiler.MaxIDLen)
	}
	return nil
}

// plainName reports, without a look at Unicode tables, that a holder's
// name is one checkHolder accepts: printable ASCII within MaxIDLen, with no
// space at either end. Any other name is for checkHolder to judge.
func plainName(name string) bool {
	if len(name) > compiler.MaxIDLen {
		return false
	}
	if n := len(name); n > 0 && (name[0] == ' ' || name[n-1] == ' ') {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// checkHolder checks the holder of record of an account: a name as the
// real-name record spells it, so nothing a comparison could trip on.
func checkHolder(path, name string) error {
	switch {
	case len(name) > compiler.MaxIDLen:
		return invalid(path, CodeInvalidValue, "longer than %d bytes", compiler.MaxIDLen)
	case strings.TrimSpace(name) != name:
		return invalid(path, CodeInvalidValue, "%q has surrounding space", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return invalid(path, CodeInvalidValue, "%q contains a control character", name)
	}
	return nil
}

func checkHistory(path func() string, h []Record) error {
	if n := len(h); n > MaxHistory {
		return invalid(path(), CodeTooMany, "%d records, more than MaxHistory (%d)", n, MaxHistory)
	}
	for i, r := range h {
		if !r.Penalty.IsValid() {
			return invalid(JoinPath(IndexPath(path(), i), "penalty"), CodeInvalidValue, "not a penalty")
		}
		if !plainTime(r.At) {
			if err := checkTime(r.At, func() string { return JoinPath(IndexPath(path(), i), "at") }); err != nil {
				return err
			}
		}
	}
	return nil
}
