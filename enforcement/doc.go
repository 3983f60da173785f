// Package enforcement turns decisions into plans and runs campaigns.
//
// A Planner decides a GroupCase (a group, its members with their roles, its
// violations, the time) for the group and for every member, and returns a
// Plan: ordered actions (preserve evidence, report to the authority, freeze
// funds, ban or suspend accounts, close or restrict the group, notify), each
// with a deterministic idempotency key and, where it can be undone, its
// undo; the obligations a verified CSAM violation creates; the members
// spared and why; and a notice for every member. A plan that touches more
// accounts than the policy's blast radius needs a second approval.
//
// The package does no I/O: Apply carries a plan out through an Executor the
// caller implements, resumably and idempotently, even when two runs of one
// plan race (the Executor contract says what an executor must guarantee);
// package enforcementtest has an in-memory Executor for tests and examples.
//
// Planner.Run streams a campaign's cases into plans and a Report, in bounded
// memory; Shadow runs a candidate policy beside the live one and reports
// every decision that would change.
package enforcement
