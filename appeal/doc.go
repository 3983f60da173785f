// Package appeal runs appeals against penalties: a penalised user contests
// the decision of a plan within the window, a person other than the
// original reviewers rules on it, and overturning or reducing the penalty
// yields the actions that carry the ruling out.
//
// The recovery of a banned account's funds is its own package beside this
// one, appeal/funds. The two meet in one place: a ruling that lifts a ban
// releases the frozen funds through each holding's claim
// ([Resolution.Releases]), so what was paid out, deducted or remitted
// meanwhile is never released a second time.
package appeal
