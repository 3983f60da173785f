package vocab

import (
	"fmt"
	"strings"
)

// Code classifies a policy error. Codes are stable: tools and tests may match them.
type Code string

// The codes of policy errors.
const (
	CodeYAMLSyntax         Code = "yaml-syntax"          // the file is not valid YAML
	CodeUnknownKey         Code = "unknown-key"          // a key the language does not have
	CodeMissingField       Code = "missing-field"        // a required key is absent or empty
	CodeInvalidValue       Code = "invalid-value"        // a value of the wrong type or form
	CodeDuplicateID        Code = "duplicate-id"         // two rules, categories, variables or ladders share a name
	CodeUnknownCategory    Code = "unknown-category"     // a category not in the catalogue
	CodeUnknownPenalty     Code = "unknown-penalty"      // a penalty name that does not exist
	CodeUnknownTarget      Code = "unknown-target"       // a target other than account or group
	CodeUnknownLadder      Code = "unknown-ladder"       // a rule names a ladder that is not declared
	CodeUnknownVariable    Code = "unknown-variable"     // variables.x where x is not declared
	CodePenaltyTarget      Code = "penalty-target"       // ban for a group, close for an account
	CodeMissingDuration    Code = "missing-duration"     // restrict or suspend without a duration
	CodeUnexpectedDuration Code = "unexpected-duration"  // a duration where the penalty has none
	CodeCELSyntax          Code = "cel-syntax"           // a CEL expression does not parse
	CodeCELType            Code = "cel-type"             // a CEL expression does not type-check
	CodeWhenNotBool        Code = "when-not-bool"        // a when condition that is not a bool
	CodeNotPenalty         Code = "not-penalty"          // a penalty expression that does not yield a penalty
	CodeNotString          Code = "not-string"           // a message that is not a string
	CodeCostOverBudget     Code = "cost-over-budget"     // an expression's estimated cost exceeds the budget
	CodeVariableSelf       Code = "variable-self"        // a variable that refers to itself
	CodeVariableForward    Code = "variable-forward"     // a variable that refers to a later variable
	CodeUnknownDSA         Code = "unknown-dsa"          // a DSA category or keyword the database does not accept
	CodeMissingAppealRoute Code = "missing-appeal-route" // due process is on but no appeal route is given
)

// Codes lists every Code, in the order they are declared.
func Codes() []Code {
	return []Code{
		CodeYAMLSyntax,
		CodeUnknownKey,
		CodeMissingField,
		CodeInvalidValue,
		CodeDuplicateID,
		CodeUnknownCategory,
		CodeUnknownPenalty,
		CodeUnknownTarget,
		CodeUnknownLadder,
		CodeUnknownVariable,
		CodePenaltyTarget,
		CodeMissingDuration,
		CodeUnexpectedDuration,
		CodeCELSyntax,
		CodeCELType,
		CodeWhenNotBool,
		CodeNotPenalty,
		CodeNotString,
		CodeCostOverBudget,
		CodeVariableSelf,
		CodeVariableForward,
		CodeUnknownDSA,
		CodeMissingAppealRoute,
	}
}

// Error is one problem in a policy file, with its position. It renders as
// file:line:col: code: message. Lines and columns count from 1.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error renders the problem as file:line:col: code: message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Code, e.Message)
}

// ErrorList is every problem found in a policy, sorted by position. Compile
// returns one when a policy does not load; errors.As finds it, and finds an
// *Error for the first problem.
type ErrorList []*Error

// Error renders every problem, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As finds each *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}
