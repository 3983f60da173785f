// Package policy defines warden's models, its policy language and the CEL
// engine that decides, for one account or one group, what penalty a case
// deserves and why.
//
// A policy is a YAML document. [Compile] checks all of it at once and
// returns an immutable [Engine]; [Engine.Decide] takes a [Case] and returns
// a [Decision]; [Engine.DecideGroup] decides a [GroupCase], the group and
// each member, in one call; [Engine.Explain] is Decide with a tracer
// attached. [Default] returns the engine of the policy embedded in the
// module.
//
// The package is the public face of a pipeline whose stages are internal:
// the policy language reads the YAML into a spec tree that keeps every
// value's position, the compiler type-checks the CEL, estimates its cost
// and indexes the rules by the categories and roles their conditions
// require, and the engine here runs decisions, guards and traces. The
// models (Account, Violation, Decision and the rest) are declared in an
// internal vocabulary package and re-exported here by type alias.
//
// # The document
//
//	name: my-policy            # required
//	version: 1.0.0             # required
//	description: ...
//	settings:
//	  cost_budget: 10000       # max estimated CEL cost of a rule, its variables included
//	  blast_radius: 500        # accounts one plan may touch before a second approval
//	appeal:
//	  route: "..."             # required while the due_process guard is on
//	  window: 183d             # at least six months
//	guards:                    # all on by default
//	  double_judgment: {enabled: true, penalty: restrict, duration: 72h}
//	  no_collective_punishment: {enabled: true}
//	  proportionality: {enabled: true, penalty: suspend, duration: 30d}
//	  due_process: {enabled: true}
//	categories:                # required; names are lower_snake_case
//	  - name: csam
//	    title: Child sexual abuse material
//	    dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS
//	    dsa_keywords: [KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL]
//	    zero_tolerance: true
//	variables:                 # evaluated lazily, at most once per violation
//	  - name: leader
//	    expression: subject.role == role.owner || subject.role == role.admin
//	ladders:
//	  - name: repeat
//	    window: 365d           # strikes older than this decay
//	    steps: [{penalty: warn}, {penalty: suspend, duration: 7d}, {penalty: ban}]
//	rules:                     # required
//	  - id: leader-ban         # unique
//	    description: ...
//	    target: account        # account or group
//	    when: violation.zero_tolerance && variables.leader
//	    penalty: ban           # a name, or a CEL expression yielding a penalty
//	    # ladder: repeat       # instead of penalty: the step the history reaches
//	    # duration: 30d        # required for restrict and suspend
//	    message: '"Banned: you run a group where ..."'   # CEL string
//	    ground: {kind: illegal, reference: "..."}       # kind: illegal or contractual
//
// Durations are Go durations ("72h") or whole days ("30d").
//
// YAML anchors and aliases are supported: an alias stands for the whole
// value its anchor names (ground: *terms), and a policy with aliases
// compiles to the same rules and digest as with them written out. Aliases
// may expand a policy to at most 100,000 values; beyond, the policy is
// refused (invalid-value). Merge keys (<<: *rule) are not supported and
// are reported as unknown-key.
//
// # What CEL expressions see
//
// The violation being considered:
//
//	violation                  violation: the violation itself, for verified(violation)
//	violation.id               string: its id
//	violation.category         category: compare with category.<name>
//	violation.severity         severity: ordered: compare with severity.low … severity.critical
//	violation.verified         bool: a technical identification, and a latest manual review that confirms it
//	violation.automated        bool: found by a technical identification (hash match, classifier, keyword)
//	violation.confidence       double: the highest confidence of its identifications, 0 to 1
//	violation.reports          int: how many reports it has
//	violation.trusted_report   bool: reported by a trusted flagger or an authority
//	violation.zero_tolerance   bool: its category is zero-tolerance
//
// The subject, the account or group being decided:
//
//	subject.id                 string: the account's or the group's id
//	subject.role               role: role.owner, role.admin or role.member; no role for a group
//	subject.is_actor           bool: the account committed the violation (never for a group)
//	subject.real_name          bool: the account holder's real name is verified
//	subject.business           bool: a business account
//	subject.age                duration: time since the account or group was created; zero when unknown
//	subject.prior_penalties    int: how many records its enforcement history has
//
// The group and the time:
//
//	group.id                   string: the group's id
//	group.members              int: how many accounts it has, owner and admins included
//	group.admins               int: how many administrators it has
//	group.age                  duration: time since it was created; zero when unknown
//	now                        timestamp: the time of the decision, given by the caller (warden never reads the clock)
//
// Constants: severity.low|medium|high|critical, penalty.none|warn|restrict|
// suspend|ban|close, role.owner|admin|member, category.<name> for each
// catalogue entry, and variables.<name> for each variable declared before.
//
// Functions: verified(violation) → bool; strikes(duration) → int, the
// subject's penalties in that window before now. Severities and penalties
// compare with <, <=, >, >=.
//
// # Deciding
//
// For each violation of the case, every rule for the case's target that can
// match is evaluated. Which rules can match is a lookup: at [Compile] the
// finite case fields the rules compare (category, severity, role, the
// booleans, and counts and ages cut at the constants the policy compares
// them with) are partitioned into cells, and for each cell the compiled
// policy knows which rules match there, which cannot, and what is left of
// the others to evaluate on the case (the residual: string operations on
// ids, confidences, strikes(), comprehensions). Deciding a violation
// computes its cell and runs only the residuals of the cell's candidates;
// [Engine.Rules] says per rule what the partition decides
// ([RuleInfo.Partition]). Each target's partition has at most [MaxCells]
// cells; a rule that would take it over falls back and is evaluated whole,
// which gives the same decision, only slower. Each rule that matches asks
// for a penalty (its penalty expression, ladder and message run on the real
// case); the guards then act on each match:
//
//  1. double judgment: above a warning only for a verified violation; an
//     account gets at most a warning, a group at most the provisional
//     measure, and the decision is marked pending review;
//  2. no collective punishment: an ordinary member is never penalised for a
//     violation someone else committed;
//  3. proportionality: a ban or closure needs high or critical severity, a
//     zero-tolerance category, or the last step of a ladder; otherwise it
//     becomes the guard's fallback measure;
//  4. due process: a penalty without a reason or an appeal route is held
//     pending review.
//
// The most severe remaining penalty wins; ties go to the longer duration,
// then the earlier rule. Every guard that acted leaves a [GuardNote]; a
// guard the policy turned off leaves an [InterventionDisabled] note where it
// would have acted. A rule that fails at run time (a division by zero, a
// cost limit) is recorded in [Decision.Errors] and the decision fails
// closed: it is marked PendingReview, and a plan holds it for a person.
//
// A group case lists every member with their role; the owner and each admin
// must be among them (a leader who is not listed is refused, not decided
// from an invented account), and the member count must be the list's
// length. [Engine.DecideGroup] checks the whole group case before deciding
// anything.
//
// # Limits
//
// A policy that compiles can never take more than its limit in one
// decision. The estimated cost of every expression, its variables included,
// must be under settings.cost_budget (at most [MaxCostBudget]); the
// estimate is sound for strings, lists and maps built at run time, since a
// variable is as large as its expression can make it. An expression whose
// estimate is over the per-evaluation limit ([WithCostLimit]) tracks its
// cost at run time, and every decision stops evaluating at its own limit
// ([DefaultDecisionCostLimit], [WithDecisionCostLimit]). Both limits are
// part of the digest when they differ from their defaults.
//
// Every input has a documented limit, checked before the expensive work:
// [MaxPolicyBytes], [MaxRules], [MaxVariables], [MaxCategories] and
// [MaxErrors] for a document; [MaxViolations], [MaxEvidence], [MaxReviews],
// [MaxHistory], [MaxAdmins], [MaxMembers], [MaxIDLen] and the times
// [MinTime] … [MaxTime] for a case. Checking a case is linear in it, and
// so is deciding it, but for the subjects a group case decides over every
// violation (its owner and admins, and members a rule concerns through the
// violations of others): their number times the violations is the work,
// and [MaxChecks] bounds it, and the candidates of every violation, counted
// as the case is decided. All the decisions of one DecideGroup call spend
// together at most what one decision may (or [DefaultDecisionCostLimit]),
// and a subject's ladders and strikes() read its history once, sorted, not
// once per violation.
//
// # Errors
//
// [Compile] reports every problem as an [*Error], file:line:col: code:
// message, collected in an [ErrorList]. Decide and DecideGroup refuse a
// malformed case with a [*Problem] (path, code, message) wrapped with
// [ErrInvalidCase]; [CodeOf] and [PathOf] read them. The codes are the
// [Code] constants, and with the paths they are stable: programs and tests
// may match them. Messages, reasons, guard notes and traces are for people
// and may change between versions.
package policy

//go:generate go run ../internal/aliasgen ../internal/vocab vocab.go
