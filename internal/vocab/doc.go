// Package vocab is the vocabulary of warden: the models a case is made of
// (accounts, groups, violations and their evidence), the enums, durations,
// decisions, error codes and the one problem type for bad input. It is a
// leaf: it imports nothing of warden but enumtext. Package policy re-exports
// every name here by type alias, so programs use policy.Severity,
// policy.Decision and so on; this package is not imported directly.
package vocab

//go:generate go run ../enumgen . enums.list enums_gen.go
