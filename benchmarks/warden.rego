# The account rules of warden's default policy (policy/default.yaml) in Rego.
#
# input.subject:    {"id": string, "strikes": number}, strikes being the
#                   penalties in the account_repeat ladder's window
# input.group:      {"owner": string, "admins": [string]}
# input.violations: [{"category": string, "severity": 1..4, "actor": string}]
#
# data.warden.decision is [level, days, -rule, penalty] for the most severe
# match, and undefined when no rule holds.
package warden

zero_tolerance := {"csam", "pii_trafficking"}

level := {"none": 0, "warn": 1, "restrict": 2, "suspend": 3, "ban": 4}

# account_repeat is the ladder: a warning first, then longer suspensions, then a ban.
account_repeat := [
	{"penalty": "warn", "days": 0},
	{"penalty": "suspend", "days": 1},
	{"penalty": "suspend", "days": 7},
	{"penalty": "suspend", "days": 30},
	{"penalty": "ban", "days": 0},
]

leader if input.subject.id == input.group.owner

leader if input.subject.id in input.group.admins

actor(v) if v.actor == input.subject.id

zt(v) if v.category in zero_tolerance

match(rule, penalty, days) := [level[penalty], days, 0 - rule, penalty]

# focus-leader-ban
matches contains match(0, "ban", 0) if {
	some v in input.violations
	zt(v)
	leader
	v.severity >= 3
}

# focus-leader-suspend
matches contains match(1, "suspend", 90) if {
	some v in input.violations
	zt(v)
	leader
	v.severity < 3
}

# focus-actor-ban
matches contains match(2, "ban", 0) if {
	some v in input.violations
	zt(v)
	actor(v)
}

# other-actor-repeat
matches contains match(3, step.penalty, step.days) if {
	some v in input.violations
	not zt(v)
	actor(v)
	step := account_repeat[min([input.subject.strikes, count(account_repeat) - 1])]
}

# other-actor-critical
matches contains match(4, "ban", 0) if {
	some v in input.violations
	not zt(v)
	actor(v)
	v.severity == 4
}

# other-leader-responsibility
matches contains match(5, penalty, days) if {
	some v in input.violations
	not zt(v)
	leader
	not actor(v)
	v.severity >= 3
	[penalty, days] := leader_measure(v.severity)
}

leader_measure(4) := ["suspend", 7]

leader_measure(3) := ["suspend", 7]

# other-actor-high
matches contains match(6, "suspend", 7) if {
	some v in input.violations
	not zt(v)
	actor(v)
	v.severity == 3
}

# The most severe match wins: arrays sort by level, then days, then the
# earlier rule.
decision := max(matches) if count(matches) > 0
