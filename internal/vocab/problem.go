package vocab

import (
	"errors"
	"strconv"
	"strings"
)

// The codes of problems with a case or a group case, beside the policy
// codes that apply to cases too (missing-field, invalid-value,
// duplicate-id, unknown-category).
const (
	// CodeContradiction: two parts of the input disagree, as a role that is
	// not the one the group's owner and admins give, or a member count that
	// is not the length of the member list.
	CodeContradiction Code = "contradiction"
	// CodeMissingLeader: the group's owner or an admin is not in the member
	// list, so they could not be decided.
	CodeMissingLeader Code = "missing-leader"
	// CodeTooMany: a list longer than its documented limit.
	CodeTooMany Code = "too-many"
	// CodeTimeRange: a time outside years 1 to 9999 (what RFC 3339 and so
	// JSON can write), or with a zone offset that is not whole minutes
	// under a day.
	CodeTimeRange Code = "time-range"
	// CodeEnum: an enum value set through the Go API that has no name.
	CodeEnum Code = "enum"
)

// CaseCodes lists the codes that only problems with cases use.
func CaseCodes() []Code {
	return []Code{CodeContradiction, CodeMissingLeader, CodeTooMany, CodeTimeRange, CodeEnum}
}

// Problem is one thing wrong with an input a caller handed in: a case, a
// group case, a statement of reasons, a claim event. Every package of the
// module reports input problems with this one type.
//
// Path says where, in one syntax for every input: field names as JSON
// spells them, separated by dots, with list indexes in brackets, as in
// violations[2].evidence.reports[0].by or statements[3].puid. The empty
// path means the input as a whole. Code is stable and may be matched by
// programs; Message is for people and may change between versions.
type Problem struct {
	Path    string `json:"path"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error renders the problem as path: code: message (code: message when the
// path is empty).
func (p *Problem) Error() string {
	if p.Path == "" {
		return string(p.Code) + ": " + p.Message
	}
	return p.Path + ": " + string(p.Code) + ": " + p.Message
}

// Problems is every problem found in one input, in the order they were
// found. errors.As finds each *Problem in it.
type Problems []*Problem

// Error renders every problem, separated by "; ".
func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As finds each *Problem.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// CodeOf returns the code of the first *Problem or *Error in err's tree,
// or the empty Code when err carries none.
func CodeOf(err error) Code {
	if p := (*Problem)(nil); errors.As(err, &p) {
		return p.Code
	}
	if e := (*Error)(nil); errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// PathOf returns the path of the first *Problem in err's tree, and whether
// there is one.
func PathOf(err error) (string, bool) {
	if p := (*Problem)(nil); errors.As(err, &p) {
		return p.Path, true
	}
	return "", false
}

// JoinPath appends a field name to a path: JoinPath("group", "owner") is
// "group.owner", JoinPath("", "now") is "now".
func JoinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// IndexPath appends a list index to a path: IndexPath("violations", 2) is
// "violations[2]".
func IndexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
