// Package enforcement turns decisions into plans: ordered, idempotent
// actions that preserve evidence, report, freeze funds, ban or suspend
// accounts, close or restrict the group and notify every role. It is
// specified in the project's enforcement issue and holds no code yet.
package enforcement
