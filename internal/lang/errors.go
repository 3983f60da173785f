package lang

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/names"
	"github.com/groupwarden/warden/internal/vocab"
)

// Errors collects the problems of one policy file, each at its position,
// for the parser and then the compiler.
type Errors struct {
	File  string
	Lines []string // the file's lines, for positions inside scalars
	List  vocab.ErrorList
	// bad holds the nodes already reported, so that a later stage does not
	// report the same problem again as a consequence.
	bad map[*yaml.Node]bool
}

// At records a problem at the position of node n (the top of the file when
// n is nil) and marks n as reported.
func (e *Errors) At(n *yaml.Node, code vocab.Code, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
		if e.bad == nil {
			e.bad = map[*yaml.Node]bool{}
		}
		e.bad[n] = true
	}
	e.AtLine(line, col, code, format, args...)
}

// AtLine records a problem at a line and column, from 1.
func (e *Errors) AtLine(line, col int, code vocab.Code, format string, args ...any) {
	e.List = append(e.List, &vocab.Error{File: e.File, Line: line, Column: col, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Reported reports whether a problem was recorded at node n.
func (e *Errors) Reported(n *yaml.Node) bool { return e.bad[n] }

// Sorted returns the problems sorted by position, each once: a value
// that aliases share is read once per alias, and its problems would
// otherwise repeat. It keeps the first MaxErrors, and then, when there
// were more, one that says how many were left out.
func (e *Errors) Sorted() vocab.ErrorList {
	slices.SortStableFunc(e.List, func(a, b *vocab.Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	e.List = slices.CompactFunc(e.List, func(a, b *vocab.Error) bool { return *a == *b })
	if n := len(e.List); n > MaxErrors {
		first := e.List[MaxErrors]
		e.List = append(e.List[:MaxErrors:MaxErrors], &vocab.Error{File: e.File, Line: first.Line, Column: first.Column, Code: first.Code,
			Message: fmt.Sprintf("%d more problems from here on are not reported (MaxErrors is %d)", n-MaxErrors, MaxErrors)})
	}
	return e.List
}

// Hint says what word, which is not one of valid, may have meant: "
// (did you mean a or b?)" with the nearest valid words, or " (want one of:
// ...)" with all of them when none is near; "" when valid is empty.
func Hint(word string, valid []string) string {
	if near := names.DidYouMean(word, valid); near != "" {
		return near
	}
	if len(valid) == 0 {
		return ""
	}
	return " (want one of: " + strings.Join(valid, ", ") + ")"
}

// PenaltyNames are the names of the penalties, lightest first.
func PenaltyNames() []string {
	var out []string
	for p := vocab.PenaltyNone; p <= vocab.PenaltyClose; p++ {
		out = append(out, p.String())
	}
	return out
}

// UnknownPenalty is the message of a penalty name that is not one.
func UnknownPenalty(s string) string {
	return fmt.Sprintf("unknown penalty %q%s", s, Hint(s, PenaltyNames()))
}
