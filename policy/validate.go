package policy

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// validate checks a case before it is decided and returns the subject's
// role. Every error names the field it is about. It records the category
// index of each violation in the state.
func (e *Engine) validate(c *Case, st *evalState) (Role, error) {
	if err := e.validateShared(c, st); err != nil {
		return 0, err
	}
	return e.validateSubject(c)
}

// validateShared checks what all subjects of a case share: the target, the
// time, the group and the violations.
func (e *Engine) validateShared(c *Case, st *evalState) error {
	if !c.Target.Valid() {
		return caseErr("target: want account or group, got %q", c.Target.String())
	}
	if c.Now.IsZero() {
		return caseErr("now: the time of the decision is required")
	}
	g := &c.Group
	if err := checkID("group.id", g.ID); err != nil {
		return err
	}
	if err := checkID("group.owner", g.Owner); err != nil {
		return err
	}
	if g.Members < 0 {
		return caseErr("group.members: %d is negative", g.Members)
	}
	if err := checkHistory("group.history", g.History); err != nil {
		return err
	}
	if len(c.Violations) == 0 {
		return caseErr("violations: at least one is required")
	}
	st.cats = st.cats[:0]
	for i := range c.Violations {
		cat, err := e.checkViolation(c, i)
		if err != nil {
			return err
		}
		st.cats = append(st.cats, cat)
	}
	return nil
}

// validateSubject checks the subject of a case and returns its role.
func (e *Engine) validateSubject(c *Case) (Role, error) {
	g := &c.Group
	switch c.Target {
	case TargetAccount:
		a := c.Account
		if a == nil {
			return 0, caseErr("account: required for an account target")
		}
		if err := checkID("account.id", a.ID); err != nil {
			return 0, err
		}
		if err := checkHistory("account.history", a.History); err != nil {
			return 0, err
		}
		if err := checkHolder("account.holder", a.Holder); err != nil {
			return 0, err
		}
		role := g.RoleOf(a.ID)
		if c.Role != 0 && c.Role != role {
			if !c.Role.Valid() {
				return 0, caseErr("role: %q is not a role", c.Role.String())
			}
			return 0, caseErr("role: account %s is %s of group %s by its owner and admins, not %s", a.ID, role, g.ID, c.Role)
		}
		return role, nil
	case TargetGroup:
		if c.Account != nil {
			return 0, caseErr("account: must be empty for a group target (decide each account with an account target)")
		}
		if c.Role != 0 {
			return 0, caseErr("role: must be empty for a group target")
		}
	}
	return 0, nil
}

func (e *Engine) checkViolation(c *Case, i int) (uint8, error) {
	v := &c.Violations[i]
	at := violationField(i)
	if v.ID == "" || len(v.ID) > maxIDLen {
		return 0, checkID(at.String()+".id", v.ID)
	}
	if slices.ContainsFunc(c.Violations[:i], func(o Violation) bool { return o.ID == v.ID }) {
		return 0, caseErr("%s.id: %q appears twice", at, v.ID)
	}
	cat, ok := e.catIndex[v.Category]
	if !ok {
		names := make([]string, len(e.categories))
		for j, cat := range e.categories {
			names[j] = cat.Name
		}
		return 0, caseErr("%s.category: unknown category %q (the policy %s declares: %s)", at, v.Category, e.ref.Name, strings.Join(names, ", "))
	}
	if !v.Severity.Valid() {
		return 0, caseErr("%s.severity: want low, medium, high or critical", at)
	}
	if len(v.Actor) > maxIDLen {
		return 0, caseErr("%s.actor: longer than %d bytes", at, maxIDLen)
	}
	if v.Group != "" && v.Group != c.Group.ID {
		return 0, caseErr("%s.group: %q is not the case's group %q", at, v.Group, c.Group.ID)
	}
	for j, id := range v.Evidence.Identifications {
		if id.Method < MethodHashMatch || id.Method > MethodKeyword {
			return 0, caseErr("%s.evidence.identifications[%d].method: want hash_match, classifier or keyword", at, j)
		}
		if id.Confidence < 0 || id.Confidence > 1 || id.Confidence != id.Confidence {
			return 0, caseErr("%s.evidence.identifications[%d].confidence: %v is not between 0 and 1", at, j, id.Confidence)
		}
	}
	for j, r := range v.Evidence.Reports {
		if r.Source < SourceUser || r.Source > SourceAuthority {
			return 0, caseErr("%s.evidence.reports[%d].source: want user, trusted_flagger or authority", at, j)
		}
	}
	if len(v.Reviews) > maxHistory {
		return 0, caseErr("%s.reviews: more than %d", at, maxHistory)
	}
	for j, r := range v.Reviews {
		if r.Reviewer == "" {
			return 0, caseErr("%s.reviews[%d].reviewer: a review names the person who made it", at, j)
		}
		if r.Verdict != VerdictConfirmed && r.Verdict != VerdictRejected {
			return 0, caseErr("%s.reviews[%d].verdict: want confirmed or rejected", at, j)
		}
	}
	return cat, nil
}

func checkID(field, id string) error {
	switch {
	case id == "":
		return caseErr("%s: required", field)
	case len(id) > maxIDLen:
		return caseErr("%s: longer than %d bytes", field, maxIDLen)
	}
	return nil
}

// checkHolder checks the holder of record of an account: a name as the
// real-name record spells it, so nothing a comparison could trip on.
func checkHolder(field, name string) error {
	switch {
	case len(name) > maxIDLen:
		return caseErr("%s: longer than %d bytes", field, maxIDLen)
	case strings.TrimSpace(name) != name:
		return caseErr("%s: %q has surrounding space", field, name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return caseErr("%s: %q contains a control character", field, name)
	}
	return nil
}

func checkHistory(field string, h []Record) error {
	if len(h) > maxHistory {
		return caseErr("%s: more than %d records", field, maxHistory)
	}
	for i, r := range h {
		if !r.Penalty.Valid() {
			return caseErr("%s[%d].penalty: not a penalty", field, i)
		}
	}
	return nil
}

// violationField names the i-th violation of a case in error messages. It
// is a type, not a string, so the name is formatted only when an error is.
type violationField int

func (i violationField) String() string { return fmt.Sprintf("violations[%d]", int(i)) }
