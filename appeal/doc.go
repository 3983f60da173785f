// Package appeal runs the due process after a ban: the recovery of lawful
// funds and appeals against penalties.
//
// When an account is banned its holdings are frozen, never forfeited. A
// Claim is the fold of an append-only sequence of Events: Config.Apply
// checks each event against the claim's state and returns the new state or
// a *RefusedError, leaving the state unchanged; the caller stores the
// events. Channels per kind of asset are configuration: by default the
// wallet balance is recovered through the customer-service hotline with a
// phone identity check, wealth-management funds through an online
// application with redemption before payout. Money is conserved, nobody but
// the verified holder is paid, and only into an account in the holder's own
// verified name, deductions need a documented basis, a legal hold pauses
// everything, and every approval is a person's. Deadlines come from the
// times of the events; nothing reads the clock.
//
// File and Resolve run appeals against penalties: a penalised user contests
// a decision within the window, a person other than the original reviewer
// decides, and overturning or reducing yields the undo actions of the
// original plan.
package appeal
