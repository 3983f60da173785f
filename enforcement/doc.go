// Package enforcement turns decisions into plans and runs campaigns.
//
// A [Planner] decides a [GroupCase] (a group, its members with their roles,
// its violations, the time) for the group and for every member with
// [policy.Engine.DecideGroup], and returns a [Plan]: ordered actions (preserve evidence, report to the authority, freeze
// funds, ban or suspend accounts, close or restrict the group, notify), each
// with a deterministic idempotency key and, where it can be undone, its
// undo; the obligations a verified CSAM violation creates; the members
// spared and why; and a notice for every member. A plan that touches more
// accounts than the policy's blast radius needs a second approval.
//
// A plan's id hashes the canonical form of its case (admins, histories and
// holdings as sets, members in the plan's order, times in full), so the
// same case in another order gives the same plan and the same keys. Plan
// checks a case against MaxHoldings and MaxAmount, and the engine against
// MaxMembers, the years MinTime to MaxTime and its own limits, before
// deciding anything, refusing it with a
// *policy.Problem that names the field and the limit, so every plan can be
// written as JSON and no sum of holdings overflows. Building a plan takes
// time linear in its case.
//
// The package does no I/O: Apply carries a plan out through an Executor the
// caller implements, resumably and idempotently, even when two runs of one
// plan race (the Executor contract says what an executor must guarantee);
// package enforcementtest has an in-memory Executor for tests and examples.
//
// [Planner.Run] streams a campaign's cases into plans and a [Report]. Across a
// campaign an account gets one measure: each group plan hands its account
// decisions on as AccountMeasures (SplitPlan), and the campaign reconciles
// them into one AccountPlan per account (Planner.ReconcileAccount): the
// heaviest measure, with every group and violation behind it, one freeze
// per holding, one notice and one statement of reasons, under action keys
// that depend only on the campaign, the account and the measure. Memory
// grows with the accounts penalised, not with the groups or members.
//
// A campaign also runs as shards (WithShard, by a hash of the group id)
// whose reports merge exactly (Report.Merge: counts add, latency quantiles
// come from a fixed log-bucketed Sketch) and whose measures are reconciled
// once (Reconciler, Planner.Reconcile); it checkpoints (WithCheckpoints) and
// resumes (WithResume) without planning a case twice or losing one, and a
// stopped run returns the partial report of what it delivered. The same
// steps run as an Apache Beam pipeline in the nested module beam/.
//
// [Shadow] runs a candidate policy beside the live one and reports every
// decision that would change.
//
// A malformed group case is refused with a [*policy.Problem] (path, code,
// message) wrapped with [policy.ErrInvalidCase]: the codes and paths are
// stable, the messages are for people. Notice texts, reasons and report
// texts may change between versions; action keys and plan ids do not.
package enforcement

//go:generate go run ../internal/enumgen . enums.list enums_gen.go
