package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/yamlpos"
)

// Property is a claim about every decision of a policy, checked by
// [Engine.Verify]: a CEL condition over the case (the names a rule reads,
// such as subject.role or violation.verified) and its decision
// (decision.penalty, decision.duration, decision.rule,
// decision.pending_review, decision.verified, decision.violation) that must
// hold for every case.
//
// The violation names (violation.*, and subject.is_actor, which says
// whether the subject committed it) are bound to one violation of the case
// at a time: a property holds on a case when it holds with each of the
// case's violations in turn, and fails when it fails with any. So a
// property about "the violation" speaks of every violation of the case,
// and one about what the decision rests on reads decision.verified or
// decision.violation (the winning violation's id) rather than the
// violation names: "violation.verified || decision.penalty <= penalty.warn"
// fails on a case of a verified ban-worthy violation beside an unverified
// one, where "decision.verified || decision.penalty <= penalty.warn" holds.
type Property struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Target restricts the property to the decisions for accounts or for
	// groups; the zero value means both.
	Target Target `yaml:"target,omitempty" json:"target,omitempty"`
	Holds  string `yaml:"holds" json:"holds"`
}

// MaxProperties bounds the properties of one file.
const MaxProperties = 256

// ParseProperties reads a properties file: a YAML document with a list
// `properties`, each with a name, an optional description and target, and
// the CEL condition `holds`. It checks the shape only; [Engine.Verify]
// checks the CEL against the policy.
func ParseProperties(file string, src []byte) ([]Property, error) {
	var doc struct {
		Properties []Property `yaml:"properties"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, propertiesYAMLProblems(file, err)
	}
	if line := yamlpos.SecondDocument(src); line > 0 {
		return nil, &Problem{Path: "properties", Code: CodeInvalidValue, Message: fmt.Sprintf("%s:%d: a second YAML document after ---: a properties file holds one, and its properties would not be checked", file, line)}
	}
	var probs Problems
	if len(doc.Properties) > MaxProperties {
		probs = append(probs, &Problem{Path: "properties", Code: CodeInvalidValue, Message: fmt.Sprintf("%s: more than %d properties (MaxProperties)", file, MaxProperties)})
	}
	seen := map[string]bool{}
	for i, p := range doc.Properties {
		at := IndexPath("properties", i)
		switch {
		case p.Name == "":
			probs = append(probs, &Problem{Path: JoinPath(at, "name"), Code: CodeMissingField, Message: file + ": a property needs a name"})
		case seen[p.Name]:
			probs = append(probs, &Problem{Path: JoinPath(at, "name"), Code: CodeDuplicateID, Message: fmt.Sprintf("%s: property %q is declared twice", file, p.Name)})
		}
		seen[p.Name] = true
		if p.Holds == "" {
			probs = append(probs, &Problem{Path: JoinPath(at, "holds"), Code: CodeMissingField, Message: file + ": a property needs a holds condition"})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return doc.Properties, nil
}

// propertiesYAMLProblems is a properties file's YAML error as problems,
// one for each value that does not fit, each at file:line.
func propertiesYAMLProblems(file string, err error) Problems {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te) && len(te.Errors) > 0:
		msgs = te.Errors
	case errors.Is(err, io.EOF):
		msgs = []string{"the file is empty"}
	}
	var probs Problems
	for _, m := range msgs {
		where := file
		if line := yamlpos.StatedLine(m); line > 0 {
			where = fmt.Sprintf("%s:%d", file, line)
		}
		m = yamlpos.Problem(m)
		if f := unknownFieldRE.FindStringSubmatch(m); f != nil {
			m = fmt.Sprintf("unknown field %q (a properties file holds properties, each with name, description, target and holds)", f[1])
		}
		probs = append(probs, &Problem{Path: "properties", Code: CodeInvalidValue, Message: where + ": " + m})
	}
	return probs
}

// unknownFieldRE reads the field of yaml.v3's error for an unknown one.
var unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type `)

// Verification is what [Engine.Verify] found: each property's outcome over
// every cell of the policy's case space and over the pairs of cells that
// can make one case of two violations, the rules that can never match or
// never win, and the guards that never act.
type Verification struct {
	// Spaces are the sizes of the case spaces checked, by target.
	Spaces []SpaceSize `json:"spaces"`
	// Cases counts the single-violation cases decided: one per cell and
	// ladder step, and generated ones where a rule keeps a residual.
	Cases int `json:"cases"`
	// PairCases counts the two-violation cases decided: one per pair of
	// cells checked ([SpaceSize.PairsChecked]) and ladder step, and
	// generated ones where a rule keeps a residual in either cell.
	PairCases  int              `json:"pair_cases"`
	Properties []PropertyResult `json:"properties"`
	// Dead lists the rules that match in no cell; Shadowed those that can
	// match but never win a checked case (of one violation or two);
	// IdleGuards the guards that never lowered or held a decision on any
	// checked case.
	Dead       []string `json:"dead,omitempty"`
	Shadowed   []string `json:"shadowed,omitempty"`
	IdleGuards []Guard  `json:"idle_guards,omitempty"`
}

// SpaceSize is the size of one target's verification space.
type SpaceSize struct {
	Target Target `json:"target"`
	Cells  int    `json:"cells"`
	// Residual counts the cells in which some rule keeps a residual, where
	// generated cases are checked besides the cell's representative.
	Residual int `json:"residual"`
	// Pairs counts the ordered pairs of cells that can be the two
	// violations of one case: cells alike in every field of the subject
	// and the group (all but the violation's fields and subject.is_actor).
	// PairsChecked is how many of them were decided: all when Pairs is at
	// most [MaxVerifyPairs], else a seeded sample that holds every cell in
	// at least one pair.
	Pairs        int `json:"pairs"`
	PairsChecked int `json:"pairs_checked"`
	// ResidualRules counts the rules of residual cells that keep a
	// residual there, one per rule and cell; ResidualCovered how many of
	// them both matched and did not on the cell's single-violation cases,
	// which draw ids and confidences from the constants the residuals
	// compare them with. A residual left uncovered was checked on one of
	// its branches only (or can take one only, as x.startsWith("a") &&
	// x.startsWith("b")).
	ResidualRules   int `json:"residual_rules,omitempty"`
	ResidualCovered int `json:"residual_covered,omitempty"`
}

// MaxVerifyPairs bounds the pairs of cells [Engine.Verify] decides per
// target: above it, it decides a seeded sample of this many pairs (more
// only if covering every cell takes more), chosen so that every cell is in
// at least one pair.
const MaxVerifyPairs = 1 << 15

// PropertyResult is one property's outcome.
type PropertyResult struct {
	Property Property `json:"property"`
	// Checked counts the cases it was checked on, of one violation and of
	// two.
	Checked int `json:"checked"`
	// Failures counts the cases where it does not hold (with any of their
	// violations); Counterexample is the first of them, which is of one
	// violation when any case of one violation fails.
	Failures       int             `json:"failures"`
	Counterexample *Counterexample `json:"counterexample,omitempty"`
}

// Counterexample is a case on which a property fails, with its decision
// and the cell it lies in: for a case of two violations, the subject's and
// the group's classes, then each violation's.
type Counterexample struct {
	Cell string `json:"cell"`
	// Violation is the id of the violation the property was bound to when
	// it failed.
	Violation string   `json:"violation"`
	Case      Case     `json:"case"`
	Decision  Decision `json:"decision"`
}

// verifyMaxCells bounds the verification space of each target, which is
// finer than the decision space (the properties and the guards cut it too).
const verifyMaxCells = 1 << 16

// verifyNow is the time of every case verification builds.
var verifyNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// generatedPerResidualCell is how many generated cases a cell with a
// residual gets beside its representative.
const generatedPerResidualCell = 16

// Verify checks every property over every cell of the policy's case space:
// the partition of the fields its rules (their conditions and penalty
// expressions), its guards and the properties read, each cell decided on one
// case built from its representative (for every step of the ladders its
// rules use), and on generated cases where a rule keeps a residual, among
// them cases whose ids and confidences are drawn from the constants the
// residual compares them with, so that it takes its branches
// ([SpaceSize.ResidualCovered]). It then
// checks every property on cases of two violations: for each ordered pair
// of cells that one subject in one group can meet (alike in the subject's
// and the group's fields, free in the violations' fields and in
// subject.is_actor), one case holding both representatives' violations, for
// every ladder step, with the property bound to each violation in turn.
// Above [MaxVerifyPairs] pairs per target it checks a seeded sample that
// puts every cell in a pair. It also lists dead rules, shadowed rules and
// guards that never act.
//
// It returns an error for a property that does not compile (a [Problems]
// with the paths properties[i].holds), and when the context ends.
func (e *Engine) Verify(ctx context.Context, props []Property) (Verification, error) {
	return e.verify(ctx, props, MaxVerifyPairs)
}

// verify is Verify with at most pairLimit pairs of cells per target (a
// sample above it); none when pairLimit is negative.
func (e *Engine) verify(ctx context.Context, props []Property, pairLimit int) (Verification, error) {
	env, err := e.p.PropertyEnv()
	if err != nil {
		return Verification{}, err
	}
	progs := make([]propertyProgram, len(props))
	var probs Problems
	for i, p := range props {
		ast, iss := env.Compile(p.Holds)
		at := JoinPath(IndexPath("properties", i), "holds")
		if iss.Err() != nil {
			probs = append(probs, &Problem{Path: at, Code: CodeCELType, Message: fmt.Sprintf("property %q: %v", p.Name, iss.Err())})
			continue
		}
		if !ast.OutputType().IsExactType(types.BoolType) {
			probs = append(probs, &Problem{Path: at, Code: CodeWhenNotBool, Message: fmt.Sprintf("property %q must be a bool condition, not %s", p.Name, ast.OutputType())})
			continue
		}
		// A property runs on every case checked, and its constants are
		// folded when the space is built: its cost is bounded as a
		// rule's is, before any of it runs.
		if est, err := e.p.EstimateCost(env, ast); err != nil || est > e.p.CostLimit {
			msg := fmt.Sprintf("property %q: its estimated cost %d is over the cost limit %d", p.Name, est, e.p.CostLimit)
			if err != nil {
				msg = fmt.Sprintf("property %q: cannot estimate its cost: %v", p.Name, err)
			}
			probs = append(probs, &Problem{Path: at, Code: CodeCostOverBudget, Message: msg})
			continue
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			probs = append(probs, &Problem{Path: at, Code: CodeCELType, Message: fmt.Sprintf("property %q: %v", p.Name, err)})
			continue
		}
		progs[i] = propertyProgram{ast, prg}
	}
	if len(probs) > 0 {
		return Verification{}, probs
	}
	v := Verification{Properties: make([]PropertyResult, len(props))}
	for i, p := range props {
		v.Properties[i].Property = p
	}
	r := verifyRun{e: e, v: &v, progs: progs, pairLimit: pairLimit, canMatch: map[string]bool{}, won: map[string]bool{}, acted: map[Guard]bool{}}
	for _, t := range []Target{TargetAccount, TargetGroup} {
		extra := verifyExprs(env, e.p, t)
		r.mine = r.mine[:0]
		for i, p := range props {
			if p.Target == 0 || p.Target == t {
				extra = append(extra, casespace.Expr{Name: "property " + p.Name, Ast: progs[i].ast})
				r.mine = append(r.mine, i)
			}
		}
		sp, rules, err := e.p.Analyze(t, extra, verifyMaxCells)
		if err != nil {
			return Verification{}, fmt.Errorf("verify: the case space of the %s rules: %w", t, err)
		}
		size, err := r.target(ctx, t, sp, rules)
		if err != nil {
			return Verification{}, err
		}
		v.Spaces = append(v.Spaces, size)
	}
	for _, rule := range e.p.Rules {
		switch {
		case !r.canMatch[rule.ID]:
			v.Dead = append(v.Dead, rule.ID)
		case !r.won[rule.ID]:
			v.Shadowed = append(v.Shadowed, rule.ID)
		}
	}
	for g := GuardDoubleJudgment; g <= GuardDueProcess; g++ {
		if !r.acted[g] {
			v.IdleGuards = append(v.IdleGuards, g)
		}
	}
	return v, nil
}

// propertyProgram is a property, checked and planned.
type propertyProgram struct {
	ast *cel.Ast
	prg cel.Program
}

// verifyRun is one verification under way.
type verifyRun struct {
	e     *Engine
	v     *Verification
	progs []propertyProgram
	// pairLimit bounds the pairs of cells per target; negative: none.
	pairLimit int
	// mine are the properties of the target being checked.
	mine     []int
	canMatch map[string]bool
	won      map[string]bool
	acted    map[Guard]bool
}

// target checks one target's space: every cell, then the pairs of cells.
func (r *verifyRun) target(ctx context.Context, t Target, sp *casespace.Space, rules []*compiler.Rule) (SpaceSize, error) {
	e := r.e
	size := SpaceSize{Target: t, Cells: sp.Cells()}
	cb := newCaseBuilder(e, t, sp.Fields(), sp.Cells(), ladderSteps(e.p, t), sp.Representative)
	cb.alt = nextRepresentative(sp)
	rng := rand.New(rand.NewPCG(13, uint64(t)))
	residual := make([]bool, sp.Cells())
	// A cell is residual where a rule's condition or penalty expression is;
	// the properties, the space's last expressions, read the decision, which
	// is always residual.
	props := sp.Exprs() - len(r.mine)
	for cell := range sp.Cells() {
		for _, j := range sp.Candidates(cell) {
			if rule := rules[j]; rule != nil {
				r.canMatch[rule.ID] = true
			}
		}
		cover := residualRules(e.p, sp, rules, cell, props)
		if residual[cell] = cover != nil; residual[cell] {
			size.Residual++
		}
		for _, c := range cb.cell(cell, cover.variety(), rng) {
			ok, err := r.check(ctx, c, sp, []int{cell}, func() string { return describeCell(e, sp, cell) }, cover)
			if err != nil {
				return size, err
			}
			if ok {
				r.v.Cases++
			}
		}
		size.ResidualRules += len(cover.rules())
		size.ResidualCovered += cover.covered()
	}
	pairs, total := cellPairs(sp, r.pairLimit, rand.New(rand.NewPCG(14, uint64(t))))
	size.Pairs, size.PairsChecked = total, len(pairs)
	for _, pr := range pairs {
		a, b := pr[0], pr[1]
		for _, c := range cb.pair(a, b, residual[a] || residual[b], rng) {
			ok, err := r.check(ctx, c, sp, []int{a, b}, func() string { return describePair(e, sp, a, b) }, nil)
			if err != nil {
				return size, err
			}
			if ok {
				r.v.PairCases++
			}
		}
	}
	return size, nil
}

// check decides a case and checks the target's properties on it, with each
// of its violations in turn; cells are the violations' cells of sp, and
// describe writes them, for a counterexample; cover, unless nil, records
// which residual rules the decision matched. It reports false for a case
// the engine refuses (a combination no valid case holds), and an error when
// the context ends.
func (r *verifyRun) check(ctx context.Context, c Case, sp *casespace.Space, cells []int, describe func() string, cover *coverage) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	d, err := r.e.Decide(ctx, c)
	if err != nil {
		return false, nil
	}
	cover.saw(&d)
	if d.Rule != "" {
		r.won[d.Rule] = true
	}
	for _, g := range d.Guards {
		if g.Action == InterventionLowered || g.Action == InterventionPending {
			r.acted[g.Guard] = true
		}
	}
	// The properties are the space's last expressions: where one is decided
	// in a violation's cell, whatever the decision, it needs no evaluation.
	first := sp.Exprs() - len(r.mine)
	failed := r.e.failing(r.progs, r.mine, c, d, func(k, vi int) casespace.Verdict {
		return sp.Result(cells[vi], first+k).Verdict
	})
	for k, i := range r.mine {
		pr := &r.v.Properties[i]
		pr.Checked++
		if failed[k] < 0 {
			continue
		}
		pr.Failures++
		if pr.Counterexample == nil {
			pr.Counterexample = &Counterexample{Cell: describe(), Violation: c.Violations[failed[k]].ID, Case: c, Decision: d}
		}
	}
	return true, nil
}

// cellPairs lists the ordered pairs of cells of a space that can be the two
// violations of one case, and how many there are: cells alike in every field
// that is not a violation's. Up to limit it lists them all; above, a sample
// drawn with rng that holds every cell in some pair (pairing the cells of
// each subject's class two by two, then drawing pairs at random up to
// limit); below zero, none.
func cellPairs(sp *casespace.Space, limit int, rng *rand.Rand) ([][2]int, int) {
	fields := sp.Fields()
	groups := map[int][]int{}
	var keys []int
	keyOf := make([]int, sp.Cells())
	for cell := range sp.Cells() {
		key := sharedCell(sp, fields, cell)
		if groups[key] == nil {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], cell)
		keyOf[cell] = key
	}
	total := 0
	for _, g := range groups {
		total += len(g) * len(g)
	}
	// every lists the pairs within each group, group by group.
	every := func() [][2]int {
		var out [][2]int
		for _, k := range keys {
			for _, a := range groups[k] {
				for _, b := range groups[k] {
					out = append(out, [2]int{a, b})
				}
			}
		}
		return out
	}
	switch {
	case limit < 0:
		return nil, total
	case total <= limit:
		return every(), total
	}
	// Every cell in a pair first, then pairs at random up to limit.
	var pairs [][2]int
	seen := map[[2]int]bool{}
	add := func(a, b int) {
		if p := [2]int{a, b}; !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	for _, k := range keys {
		g := slices.Clone(groups[k])
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		for i := 0; i+1 < len(g); i += 2 {
			add(g[i], g[i+1])
		}
		if len(g)%2 == 1 {
			add(g[len(g)-1], g[rng.IntN(len(g))])
		}
	}
	if total <= 4*limit {
		// Dense: draw from every pair, shuffled, so that drawing never stalls
		// on pairs drawn before.
		rest := every()
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		for _, p := range rest {
			if len(pairs) >= limit {
				break
			}
			add(p[0], p[1])
		}
		return pairs, total
	}
	for len(pairs) < limit {
		a := rng.IntN(len(keyOf))
		g := groups[keyOf[a]]
		add(a, g[rng.IntN(len(g))])
	}
	return pairs, total
}

// sharedCell is the part of a cell's number that the subject's and the
// group's fields make: two cells can be one case's violations when it is
// the same.
func sharedCell(sp *casespace.Space, fields []casespace.FieldInfo, cell int) int {
	key := 0
	for i, f := range fields {
		if !perViolation(f.Name) {
			key += cell / sp.Stride(i) % len(f.Classes) * sp.Stride(i)
		}
	}
	return key
}

// perViolation reports whether a field of the case space belongs to a
// violation, so that the two violations of one case may differ in it: the
// violation's own fields, and whether the subject committed it.
func perViolation(name string) bool {
	return strings.HasPrefix(name, "violation.") || name == "subject.is_actor"
}

// caseBuilder builds the cases verification decides, from the
// representatives of cells of a partition of one target's case fields.
type caseBuilder struct {
	e      *Engine
	t      Target
	fields []casespace.FieldInfo
	rep    func(cell int) []ref.Val
	// alt, when set, is a second representative of a cell, each count or
	// age one above the first where that stays in the cell: a case for
	// cells whose first representative no valid case holds (a trusted
	// report among no reports at all).
	alt func(cell int) []ref.Val
	// steps is the most strikes a case gets: each cell is decided with
	// every number from none to steps.
	steps int
	// base caches, per cell, its representative's case for each number
	// of strikes (nil where no valid case holds the combination); nil for
	// a space of more than maxCachedCases such cases.
	base [][]*Case
}

// newCaseBuilder builds the cases of a space of cells, each decided with
// every number of strikes from none to steps.
func newCaseBuilder(e *Engine, t Target, fields []casespace.FieldInfo, cells, steps int, rep func(int) []ref.Val) *caseBuilder {
	b := &caseBuilder{e: e, t: t, fields: fields, rep: rep, steps: steps}
	if cells*(b.steps+1) <= maxCachedCases {
		b.base = make([][]*Case, cells)
	}
	return b
}

// maxCachedCases bounds the cases a caseBuilder keeps for the pairs of
// cells to reuse; a larger space builds them again for each pair.
const maxCachedCases = 1 << 15

// strikes returns the cases of a cell's representative for each number of
// strikes from none to steps (nil where none is valid).
func (b *caseBuilder) strikes(cell int) []*Case {
	if b.base != nil && b.base[cell] != nil {
		return b.base[cell]
	}
	cs := make([]*Case, b.steps+1)
	vals := b.rep(cell)
	var alt []ref.Val
	for k := range cs {
		if c, ok := b.e.caseOf(b.t, b.fields, vals, k, nil); ok {
			cs[k] = &c
			continue
		}
		if b.alt == nil {
			continue
		}
		if alt == nil {
			alt = b.alt(cell)
		}
		if c, ok := b.e.caseOf(b.t, b.fields, alt, k, nil); ok {
			cs[k] = &c
		}
	}
	if b.base != nil {
		b.base[cell] = cs
	}
	return cs
}

// nextRepresentative is the second representative of a cell of sp: each
// ordered field one above the first representative where that stays in
// the cell's class.
func nextRepresentative(sp *casespace.Space) func(int) []ref.Val {
	return func(cell int) []ref.Val {
		vals := sp.Representative(cell)
		for i := range vals {
			if !sp.Ordered(i) {
				continue
			}
			n, box := ordinal(vals[i])
			class, _ := sp.ClassOfKey(i, n)
			if next, ok := sp.ClassOfKey(i, n+1); ok && next == class {
				vals[i] = box(n + 1)
			}
		}
		return vals
	}
}

// ordinal is the number of a count or an age, and the way back.
func ordinal(v ref.Val) (int64, func(int64) ref.Val) {
	if d, ok := v.(types.Duration); ok {
		return int64(d.Duration), func(n int64) ref.Val { return types.Duration{Duration: time.Duration(n)} }
	}
	n, _ := v.(types.Int)
	return int64(n), func(n int64) ref.Val { return types.Int(n) }
}

// cell builds the cases verification decides for a cell: one from its
// representative for each number of strikes up to steps, and, in a cell
// where a rule keeps a residual, generated ones.
func (b *caseBuilder) cell(cell int, v *variety, rng *rand.Rand) []Case {
	var cases []Case
	for _, c := range b.strikes(cell) {
		if c != nil {
			cases = append(cases, *c)
		}
	}
	if v == nil {
		return cases
	}
	vals := b.rep(cell)
	for range generatedPerResidualCell {
		if c, ok := b.e.caseOf(b.t, b.fields, vals, rng.IntN(b.steps+1), rng); ok {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return cases
	}
	// One case of each id and each confidence the residuals' constants
	// give, on the representative: as the violation's, the group's and the
	// subject's id, so that each comparison takes its branches.
	base := cases[0]
	for _, id := range v.ids() {
		cases = append(cases, withViolationID(base, id), withGroupID(base, id))
		if c, ok := withSubjectID(base, id); ok {
			cases = append(cases, c)
		}
	}
	if len(base.Violations[0].Evidence.Identifications) > 0 {
		for _, conf := range v.confidences() {
			cases = append(cases, withConfidence(base, conf))
		}
	}
	return cases
}

// pair builds the cases of two violations verification decides for a pair
// of cells: for each number of strikes up to steps, the case of cell a's
// representative with the violation of cell c's beside it (the subject,
// the group and the history are a's, which c's share), and, where a rule
// keeps a residual in either cell, generated ones.
func (b *caseBuilder) pair(a, c int, residual bool, rng *rand.Rand) []Case {
	var cases []Case
	join := func(ca, cc *Case, id string) {
		if ca == nil || cc == nil {
			return
		}
		two := *ca
		second := cc.Violations[0]
		second.ID = id
		two.Violations = []Violation{ca.Violations[0], second}
		cases = append(cases, two)
	}
	as, cs := b.strikes(a), b.strikes(c)
	for k := range as {
		join(as[k], cs[k], "v2")
	}
	if residual {
		va, vc := b.rep(a), b.rep(c)
		for range generatedPerResidualPair {
			k := rng.IntN(b.steps + 1)
			ca, okA := b.e.caseOf(b.t, b.fields, va, k, rng)
			cc, okC := b.e.caseOf(b.t, b.fields, vc, k, rng)
			if okA && okC {
				join(&ca, &cc, cc.Violations[0].ID+"-2")
			}
		}
	}
	return cases
}

// generatedPerResidualPair is how many generated cases a pair of cells
// with a residual gets beside its representatives.
const generatedPerResidualPair = 4

// describePair writes a pair of cells as a rule author reads it: the
// subject's and the group's classes, which the two share, then each
// violation's.
func describePair(e *Engine, sp *casespace.Space, a, b int) string {
	var shared, first, second []string
	for i, f := range sp.Fields() {
		if !perViolation(f.Name) {
			shared = append(shared, f.Name+"="+e.showClass(f, sp.Representative(a)[i], a, sp, i))
			continue
		}
		first = append(first, f.Name+"="+e.showClass(f, sp.Representative(a)[i], a, sp, i))
		second = append(second, f.Name+"="+e.showClass(f, sp.Representative(b)[i], b, sp, i))
	}
	out := "v1: " + strings.Join(first, " ") + "; v2: " + strings.Join(second, " ")
	if len(shared) > 0 {
		out = strings.Join(shared, " ") + "; " + out
	}
	return out
}

// guardFields are expressions that cut the fields the guards read, so that
// every cell holds cases the guards treat alike: the severity and the zero
// tolerance (proportionality), whether the violation is verified (double
// judgment) and, for an account, its role and whether it acted (no
// collective punishment).
func guardFields(env *cel.Env, t Target) []casespace.Expr {
	srcs := []string{"violation.severity", "violation.verified", "violation.zero_tolerance"}
	if t == TargetAccount {
		srcs = append(srcs, "subject.role", "subject.is_actor")
	}
	var out []casespace.Expr
	for _, src := range srcs {
		ast, iss := env.Compile(src)
		if iss.Err() == nil {
			out = append(out, casespace.Expr{Name: "guard reads " + src, Ast: ast})
		}
	}
	return out
}

// verifyExprs are the expressions a verification space cuts at beside the
// rules' conditions: what the guards read, and the penalty expressions.
func verifyExprs(env *cel.Env, p *compiler.Policy, t Target) []casespace.Expr {
	return append(guardFields(env, t), p.PenaltyExprs(t)...)
}

// minStrikes is the fewest numbers of strikes beyond none that each cell is
// decided with, for conditions that count strikes() themselves.
const minStrikes = 3

// ladderSteps is the most steps of a ladder that a rule of the target uses,
// at least minStrikes: verification decides each cell once per number of
// strikes from none to that, so that every step is reached.
func ladderSteps(p *compiler.Policy, t Target) int {
	n := minStrikes
	for _, r := range p.Rules {
		if r.Target == t && r.Ladder != nil {
			n = max(n, len(r.Ladder.Steps))
		}
	}
	return n
}

// failing evaluates the properties mine on a case and its decision, with
// each violation of the case in turn, and returns, for each, the index of
// the first violation on which it does not hold (or yields no bool), or -1
// where it holds on every violation. verdict, when set, says what the k-th
// property is in the cell of violation vi: a Match holds and a NoMatch
// fails without evaluation.
func (e *Engine) failing(progs []propertyProgram, mine []int, c Case, d Decision, verdict func(k, vi int) casespace.Verdict) []int {
	out := make([]int, len(mine))
	for k := range out {
		out[k] = -1
	}
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	role, err := e.validate(&c, st)
	if err != nil {
		for k := range out {
			out[k] = 0
		}
		return out
	}
	st.bind(&c, role)
	act := decisionActivation{st, &d}
	for vi := range st.c.Violations {
		st.setViolation(vi)
		for k, i := range mine {
			if out[k] >= 0 {
				continue
			}
			if verdict != nil {
				switch verdict(k, vi) {
				case casespace.Match:
					continue
				case casespace.NoMatch:
					out[k] = vi
					continue
				}
			}
			res, _, err := progs[i].prg.Eval(act)
			if b, ok := res.(types.Bool); err != nil || !ok || !bool(b) {
				out[k] = vi
			}
		}
	}
	return out
}

// decisionActivation resolves the decision's names over a decision's
// activation.
type decisionActivation struct {
	*evalState
	d *Decision
}

// ResolveName implements interpreter.Activation.
func (a decisionActivation) ResolveName(name string) (any, bool) {
	switch name {
	case "decision.penalty":
		return celx.Penalty(a.d.Penalty), true
	case "decision.duration":
		return types.Duration{Duration: time.Duration(a.d.Duration)}, true
	case "decision.rule":
		return types.String(a.d.Rule), true
	case "decision.pending_review":
		return types.Bool(a.d.PendingReview), true
	case "decision.verified":
		return types.Bool(a.d.Verified), true
	case "decision.violation":
		return types.String(a.d.Violation), true
	}
	return a.evalState.ResolveName(name)
}

// describeCell writes a cell as a rule author reads it.
func describeCell(e *Engine, sp *casespace.Space, cell int) string {
	var b bytes.Buffer
	for i, f := range sp.Fields() {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(f.Name + "=" + e.showClass(f, sp.Representative(cell)[i], cell, sp, i))
	}
	return b.String()
}

// showClass writes the class of field i that holds v.
func (e *Engine) showClass(f casespace.FieldInfo, v ref.Val, cell int, sp *casespace.Space, i int) string {
	class := cell / sp.Stride(i) % len(f.Classes)
	switch x := v.(type) {
	case celx.Category:
		if len(f.Classes) == len(e.p.Categories) {
			return e.p.Categories[x].Name
		}
		var names []string
		for j := range e.p.Categories {
			if c, _ := sp.ClassOfKey(i, int64(j)); c == class {
				names = append(names, e.p.Categories[j].Name)
			}
		}
		if len(names) == 1 {
			return names[0]
		}
		return fmt.Sprintf("%v", names)
	case celx.Severity, celx.Role:
		return showValue(v)
	}
	return f.Classes[class]
}

// caseOf builds a case of one violation whose fields hold the values of a
// cell's representative, with k strikes in the subject's history; rng, when
// set, varies what the partition does not decide (ids, confidence, times).
// It reports false for a combination no valid case holds.
func (e *Engine) caseOf(t Target, fields []casespace.FieldInfo, vals []ref.Val, k int, rng *rand.Rand) (Case, bool) {
	now := verifyNow
	g := Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 10}
	v := Violation{ID: "v1", Category: e.p.Categories[0].Name, Severity: SeverityLow, Actor: "actor"}
	var acc *Account
	role := RoleMember
	subject := "member"
	if t == TargetAccount {
		acc = &Account{ID: subject}
	}
	verified, automated, trusted := false, false, false
	reports, prior, admins := -1, -1, -1
	actor := false
	for i, f := range fields {
		switch x := vals[i].(type) {
		case celx.Category:
			v.Category = e.p.Categories[x].Name
		case celx.Severity:
			v.Severity = Severity(x)
		case celx.Role:
			if x != 0 {
				role = Role(x)
			}
		case types.Bool:
			b := bool(x)
			switch f.Name {
			case "violation.verified":
				verified = b
			case "violation.automated":
				automated = b
			case "violation.trusted_report":
				trusted = b
			case "subject.is_actor":
				actor = b
			case "subject.real_name":
				if acc != nil {
					acc.RealNameVerified = b
				}
			case "subject.business":
				if acc != nil && b {
					acc.Type = AccountBusiness
				}
			}
		case types.Int:
			n := int(x)
			switch f.Name {
			case "violation.reports":
				reports = n
			case "subject.prior_penalties":
				prior = n
			case "group.members":
				g.Members = n
			case "group.admins":
				admins = n
			}
		case types.Duration:
			created := time.Time{}
			if x.Duration > 0 {
				created = now.Add(-x.Duration)
			}
			switch f.Name {
			case "subject.age":
				if acc != nil {
					acc.Created = created
				} else {
					g.Created = created
				}
			case "group.age":
				g.Created = created
			}
		}
	}
	if acc != nil {
		switch role {
		case RoleOwner:
			subject = "owner"
		case RoleAdmin:
			subject = "admin"
		}
		acc.ID = subject
	}
	if admins >= 0 {
		g.Admins = nil
		for i := range admins {
			g.Admins = append(g.Admins, fmt.Sprintf("admin%d", i))
		}
		if len(g.Admins) > 0 {
			g.Admins[0] = "admin"
		}
	}
	if role == RoleAdmin && len(g.Admins) == 0 {
		return Case{}, false
	}
	if actor {
		v.Actor = subject
	}
	if rng != nil {
		v.ID = []string{"v1", "v1-" + subject, "v-" + fmt.Sprint(rng.IntN(1000))}[rng.IntN(3)]
		g.ID = []string{"g1", "g-" + fmt.Sprint(rng.IntN(1000))}[rng.IntN(2)]
	}
	if verified || automated {
		conf := 1.0
		if rng != nil {
			conf = rng.Float64()
		}
		v.Evidence.Identifications = []Identification{{Method: MethodHashMatch, Confidence: conf}}
	}
	if verified {
		v.Reviews = []Review{{Reviewer: "reviewer", Verdict: VerdictConfirmed, At: now.Add(-time.Hour)}}
	}
	if trusted {
		v.Evidence.Reports = append(v.Evidence.Reports, Report{Source: SourceTrustedFlagger})
	}
	for reports > len(v.Evidence.Reports) {
		v.Evidence.Reports = append(v.Evidence.Reports, Report{Source: SourceUser})
	}
	if reports >= 0 && len(v.Evidence.Reports) > reports {
		return Case{}, false
	}
	var history []Record
	for i := range k {
		at := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		if rng != nil {
			// Recent or within the year, so that windows of any length see some.
			within := []int{30 * 24, 365 * 24}[rng.IntN(2)]
			at = now.Add(-time.Duration(1+rng.IntN(within)) * time.Hour)
		}
		history = append(history, Record{At: at, Penalty: PenaltyWarn})
	}
	if prior >= 0 {
		if prior < k {
			return Case{}, false
		}
		for len(history) < prior {
			history = append(history, Record{At: now.Add(-time.Hour), Penalty: PenaltyNone})
		}
	}
	c := Case{Target: t, Group: g, Violations: []Violation{v}, Now: now}
	if acc != nil {
		acc.History = history
		c.Account = acc
	} else {
		c.Group.History = history
	}
	if slices.Contains(g.Admins, "owner") {
		return Case{}, false
	}
	return c, true
}
