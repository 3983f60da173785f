// Package funds runs the recovery of a banned account's lawful funds: a
// frozen holding is never forfeited, and its holder gets it back through a
// claim that an auditor can follow event by event.
//
// A [Claim] is the fold of an append-only log of [Event]s. [Config.Apply]
// checks one event against the claim's state and returns the new state or
// a *[RefusedError] (whose policy.Code and path policy.CodeOf and
// policy.PathOf read), leaving the state unchanged; the caller stores the
// events and, if it likes, the claim as a snapshot. The library does no I/O
// and reads no clock: the caller says what time it is.
//
// What an auditor relies on:
//   - Money is conserved: held + paid + deducted + remitted + released is
//     the frozen amount plus explicit valuation changes, and every amount is
//     within 0 and [MaxAmount].
//   - Nobody but the verified holder is paid, only into an account in the
//     holder's own verified name, at most one payout in flight.
//   - Separation of duties: whoever proposed a pending deduction, or
//     withdrew one someone else proposed, never approves the claim, nor
//     (SeparateIdentityCheck) whoever checked the holder's identity; a
//     rejection appealed is decided by someone other than whoever
//     rejected it. Names compare in their NFKC form with case folded,
//     invisible characters dropped and spaces collapsed ([SamePerson]); a
//     payout destination's or claimant's name with invisible characters in
//     it is refused. Two people who collude, or one person under two
//     unrelated names, are beyond what a name comparison can see.
//   - Every deduction has a typed basis and a person; a reference is
//     deducted at most once per claim, however its case, width or spacing
//     differ. A valuation change is a person's, never leaves the holding
//     negative, and a change (a redemption's too) that takes the holding
//     more than ValuationGrowth above or below the level a second person
//     last vouched for (Claim.Unvouched) needs a cosigner, however it is
//     split; an automated change happens only as a redemption.
//   - A legal hold pauses everything but what the table allows on hold.
//   - Dormancy is never shorter than [MinDormancyYears]; unclaimed funds go
//     only to the configured authority; no event may be dated after now,
//     and a mistyped time is corrected by a person's time-corrected event
//     that stays in the log. A correction moves a time back only while
//     that time is still to come, so it never erases activity the
//     dormancy counts from nor closes an appeal window early.
//   - Idempotency survives storage: the claim's log entries recognise a
//     retried event by its content ([Digest]), whatever zone its time is
//     read back in.
//   - Concurrent writers cannot lose an update: an event carries Seq (the
//     claim's version plus one) and Prev (the claim's head), and one written
//     against a version the claim has left is refused with CodeVersion,
//     matching [ErrConflict]: reload, decide again, retry.
//   - Nothing is trusted that can be checked: Apply checks every snapshot
//     it is given ([Config.Check]); the events form a hash chain, so
//     [Config.Replay] refuses a log with a gap, a duplicate, an edited,
//     removed, inserted or reordered event, and [Config.Verify] a snapshot
//     that is not the fold of its log.
//     The chain is a plain SHA-256 chain: it catches an edit made without
//     recomputing every later digest. Against someone who can rewrite the
//     whole store, keep the heads somewhere they cannot write (another
//     system, a signed daily digest).
//
// Enforcement and recovery are one flow: [Config.Open] turns a plan's
// freezes (enforcement.Plan.Freezes) into one claim per holding, and a ban
// lifted on appeal releases funds through an EventReleased on each claim
// (package appeal), never more than is still held, by an action keyed by
// the claim's own release event ([ReleaseAction]), so it runs once however
// many rulings ask for it.
//
// # Transitions
//
// The state machine is the table [Transitions] returns; Apply runs it, the
// property test generates from it, and this list is rendered from it
// (a test fails when they drift). Each line is: event, the states it is
// accepted in -> the state it leads to, then the route it is restricted to,
// whether a person must act and whether it is accepted on hold, then its
// own checks in order.
//
//	frozen               (none) -> held: account, currency and amount
//	opened               held -> opened: the asset's channel
//	identity-checked     opened -> identity-verified [person]: the channel's identity method; a verified record; the claimant is the holder
//	deduction-proposed   identity-verified -> (same) [person]: a typed basis; reference and payee; a positive amount; each reference once; within what is held
//	deduction-withdrawn  identity-verified, deductions-reviewed, rejected, in-review -> (same) [person]: names a pending deduction
//	deductions-closed    identity-verified -> deductions-reviewed [person]
//	approved             deductions-reviewed, in-review -> approved [person]: the approver proposed no pending deduction, nor withdrew another's; the approver did not check identity (SeparateIdentityCheck); nobody who rejected the claim; pending deductions within what is held
//	rejected             deductions-reviewed, in-review -> rejected [person]: a reason; nobody who rejected the claim
//	rejection-appealed   rejected -> in-review: within the appeal window
//	valuation-changed    any active but redeemed, payout-pending -> (same) [route redeem, person, on hold]: a non-zero amount; the holding stays within 0 and MaxAmount; the change since the last cosigned level within ValuationGrowth either way, or cosigned
//	redeemed             approved -> redeemed [route redeem]: proceeds within 0 and MaxAmount; the change since the last cosigned level within ValuationGrowth either way, or cosigned
//	payout-requested     approved, redeemed -> payout-pending: redeemed first; a verified holder, identity checked; the holder's own verified account; something held; an amount, if stated, is all that is held
//	payout-confirmed     payout-pending -> paid: names the payout in flight; an amount, if stated, is the payout's
//	payout-failed        payout-pending -> approved [route direct, on hold]: names the payout in flight
//	payout-failed        payout-pending -> redeemed [route redeem, on hold]: names the payout in flight
//	legal-hold-placed    any active -> (same) [person, on hold]: no hold stands; names the order
//	legal-hold-lifted    any active -> (same) [person, on hold]: names the hold
//	unclaimed            any active but payout-pending -> remitted: dormancy passed (at least MinDormancyYears); the payee is the configured authority
//	released             any active but payout-pending -> released [person]: names the ruling
//	time-corrected       any active -> (same) [person, on hold]: a reason; names the last event; the corrected time keeps the order
package funds
