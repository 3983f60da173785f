package policy

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidCase is wrapped by every error Decide returns for a malformed case.
var ErrInvalidCase = errors.New("invalid case")

// CaseError names the field of a malformed case and what is wrong with it.
// Decide's errors for malformed cases wrap one, with ErrInvalidCase; use
// errors.As to find it.
type CaseError struct {
	// Field is the path of the field in the case, as in
	// violations[1].category or members[2].account.id.
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error renders the error as field: reason.
func (e *CaseError) Error() string { return e.Field + ": " + e.Reason }

// caseErr formats "field: reason" into an error for a malformed case.
func caseErr(format string, args ...any) error {
	field, reason, _ := strings.Cut(fmt.Sprintf(format, args...), ": ")
	return fmt.Errorf("%w: %w", ErrInvalidCase, &CaseError{Field: field, Reason: reason})
}
