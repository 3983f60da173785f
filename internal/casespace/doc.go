// Package casespace compiles the case space of a set of CEL expressions:
// the finite fields they read, partitioned at the constants they compare
// them with, and for every cell of the partition what each expression is
// there (match, no match, a decided value, or the residual expression that
// is left to evaluate on the case).
//
// It works on checked ASTs and knows nothing of warden's models: its input
// is a [Fields], which says for a name the checker resolved (such as
// "violation.severity") whether it is a case field with a finite [Domain].
// [Analyze] builds a [Space]; the lookups on it ([Space.CellOf],
// [Space.Result], [Space.Candidates]) do not allocate.
//
// # Atoms, pieces, classes, cells
//
// An atom is a largest subexpression that reads exactly one finite field
// and nothing else of the case (constants and deterministic functions are
// fine). For an enum or bool field any such expression is an atom, since
// it can be evaluated on every value; for an integer or duration field only
// comparisons with constants (==, !=, <, <=, >, >=, in a constant list) and
// their combinations with &&, ||, ! and ?: are, since only those are
// constant between the constants. Everything else is residual: string
// operations on ids, doubles, comprehensions, comparisons of two fields,
// arithmetic, late-bound functions, names the [Fields] does not know.
// The connectives &&, ||, ! and ?: above atoms and residuals are analysed
// through, and a reference to a variable given in [Options.Variables] is
// decided wherever the variable's own expression is.
//
// Each field is cut into pieces (its values, or the intervals between the
// constants its atoms compare it with) and the pieces on which every atom
// over the field has the same value form one class. A cell is one class of
// each field: the cells are the product of the classes, and every case
// lies in exactly one. [Space.Result] says what an expression is in a
// cell; [Space.Candidates] lists the expressions that match or may.
//
// Results are exact under CEL's semantics: && and || are commutative in
// CEL (a false operand makes && false whatever an erring operand does), so
// dropping a decided operand or absorbing into a decided one never changes
// a result; ?: is only reduced when its condition is decided. The tests
// hold every result against evaluating the whole expression on a case of
// each cell and on random cases.
//
// # The size limit
//
// A space has at most [Options.MaxCells] cells ([DefaultMaxCells], 4,096,
// when unset). Expressions are admitted in the order given, each with all
// its atoms; one whose atoms would take the space above the limit falls
// back ([ExprInfo.Fallback]) and is residual as a whole in every cell: it
// is decided as it would be without the analysis. The cost of [Analyze] is
// about cells × expressions for the candidate lists, plus one CEL program
// per atom evaluated once per piece.
//
// # Derived fields
//
// Where one field is a function of another (warden's
// violation.zero_tolerance of violation.category), declaring both as
// independent fields would make cells that hold no real case: a csam
// violation without zero tolerance. Deciding by lookup would be unaffected
// (no case lands there), but exhaustive verification would report
// counterexamples from them. Declare such a field with [Derived]: it has no
// classes of its own, and an expression over it (or over it and the field
// it derives from) is an atom over the field it derives from.
//
// # Known limits
//
// Double fields are not partitioned, and an ordered field is only cut at
// constants: `violation.reports > subject.prior_penalties` stays residual.
// A derived field must derive from an enum or bool field.
//
// # Deciding by lookup (how the engine uses it)
//
// At compile time internal/compiler (space.go) builds a [Fields] from the
// table of names (internal/names): a name whose CEL type is
// celx.CategoryType, SeverityType or RoleType is an enum over the
// catalogue's categories (as celx.Category(i)), the four severities or the
// three roles (a group's one: none); violation.zero_tolerance is [Derived]
// from the category; the booleans are [Bool]; the counts are [Count]; the
// ages are durations from 0. It analyses every rule's condition, then every
// penalty expression, with the policy's variables as [Options.Variables],
// into one space per target, and plans one CEL program per distinct
// residual ([Result.Residual], with cel.Env.PlanProgram).
//
// Deciding a violation (package policy, decide.go) computes its cell from
// the scope by [Space.ClassOfKey], each field read as a number without
// boxing it (names.Name.Key), reads [Space.Candidates], and for
// each candidate in rule order takes the match or runs its residual
// program; a penalty expression the cell decides is read, not evaluated.
// The guards, ladders and messages still run on the real case. Rules that
// fell back keep the slow path (the category index and the condition). The
// strings of [ExprInfo.Residuals] are what explain and the engine's rule
// info show; comprehensions print because the compiler's environment
// tracks macro calls (cel.EnableMacroCallTracking).
//
// # Verification (how warden verify uses it)
//
// Every case lies in a cell and every case of a cell gets the same
// candidate rules, so a property can be checked over the whole space by
// deciding one case per cell: package policy (verify.go) analyses the
// rules' conditions with the properties and expressions over the fields
// the guards read, builds a case from [Space.Representative] of each cell
// for each number of strikes up to the longest ladder, and generated cases
// in cells where a rule is residual; then a case of two violations for
// every pair of cells alike in the subject's and the group's fields. A rule
// that is NoMatch in every cell is dead; one that never wins is shadowed.
// For -against it builds the joint partition of both policies' spaces
// without analysing their expressions together: each ordered field cut at
// the union of both spaces' [Space.Pieces], each enum value classed by the
// pair of classes it has in the two, so that within a joint cell each
// space's cell, and so each policy's decision, is the same.
package casespace
