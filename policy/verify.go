package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/casespace"
	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/compiler"
)

// Property is a claim about every decision of a policy, checked by
// [Engine.Verify]: a CEL condition over the case (the names a rule reads,
// such as subject.role or violation.verified) and its decision
// (decision.penalty, decision.duration, decision.rule,
// decision.pending_review, decision.verified) that must hold for every case.
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
		return nil, &Problem{Path: "properties", Code: CodeInvalidValue, Message: fmt.Sprintf("%s: %v", file, err)}
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

// Verification is what [Engine.Verify] found: each property's outcome over
// every cell of the policy's case space, the rules that can never match or
// never win, and the guards that never act.
type Verification struct {
	// Spaces are the sizes of the case spaces checked, by target.
	Spaces []SpaceSize `json:"spaces"`
	// Cases counts the single-violation cases decided: one per cell and
	// ladder step, and generated ones where a rule keeps a residual.
	Cases      int              `json:"cases"`
	Properties []PropertyResult `json:"properties"`
	// Dead lists the rules that match in no cell; Shadowed those that can
	// match but never win a checked case; IdleGuards the guards that never
	// lowered or held a decision on any checked case.
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
}

// PropertyResult is one property's outcome.
type PropertyResult struct {
	Property Property `json:"property"`
	Checked  int      `json:"checked"`
	// Failures counts the cases where it does not hold; Counterexample is
	// the first of them.
	Failures       int             `json:"failures"`
	Counterexample *Counterexample `json:"counterexample,omitempty"`
}

// Counterexample is a case on which a property fails, with its decision
// and the cell it lies in.
type Counterexample struct {
	Cell     string   `json:"cell"`
	Case     Case     `json:"case"`
	Decision Decision `json:"decision"`
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
// the partition of the fields its rules, its guards and the properties
// read, each cell decided on one case built from its representative (for
// every step of the ladders its rules use), and on generated cases where a
// rule keeps a residual. The cases have one violation each. It also lists
// dead rules, shadowed rules and guards that never act.
//
// It returns an error for a property that does not compile (a [Problems]
// with the paths properties[i].holds), and when the context ends.
func (e *Engine) Verify(ctx context.Context, props []Property) (Verification, error) {
	env, err := e.p.PropertyEnv()
	if err != nil {
		return Verification{}, err
	}
	type compiled struct {
		ast *cel.Ast
		prg cel.Program
	}
	progs := make([]compiled, len(props))
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
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			probs = append(probs, &Problem{Path: at, Code: CodeCELType, Message: fmt.Sprintf("property %q: %v", p.Name, err)})
			continue
		}
		progs[i] = compiled{ast, prg}
	}
	if len(probs) > 0 {
		return Verification{}, probs
	}
	v := Verification{Properties: make([]PropertyResult, len(props))}
	for i, p := range props {
		v.Properties[i].Property = p
	}
	canMatch := map[string]bool{}
	won := map[string]bool{}
	acted := map[Guard]bool{}
	for _, t := range []Target{TargetAccount, TargetGroup} {
		extra := guardFields(env, t)
		var mine []int
		for i, p := range props {
			if p.Target == 0 || p.Target == t {
				extra = append(extra, casespace.Expr{Name: "property " + p.Name, Ast: progs[i].ast})
				mine = append(mine, i)
			}
		}
		sp, rules, err := e.p.Analyze(t, extra, verifyMaxCells)
		if err != nil {
			return Verification{}, fmt.Errorf("verify: the case space of the %s rules: %w", t, err)
		}
		size := SpaceSize{Target: t, Cells: sp.Cells()}
		steps := ladderSteps(e.p, t)
		rng := rand.New(rand.NewPCG(13, uint64(t)))
		for cell := range sp.Cells() {
			residual := false
			for _, j := range sp.Candidates(cell) {
				if r := rules[j]; r != nil {
					canMatch[r.ID] = true
					residual = residual || sp.Result(cell, j).Verdict == casespace.Residual
				}
			}
			if residual {
				size.Residual++
			}
			cases := e.cellCases(t, sp, cell, steps, residual, rng)
			for _, c := range cases {
				if err := ctx.Err(); err != nil {
					return Verification{}, err
				}
				d, err := e.Decide(ctx, c)
				if err != nil {
					continue // a combination no valid case holds
				}
				v.Cases++
				if d.Rule != "" {
					won[d.Rule] = true
				}
				for _, g := range d.Guards {
					if g.Action == InterventionLowered || g.Action == InterventionPending {
						acted[g.Guard] = true
					}
				}
				for _, i := range mine {
					ok, err := e.holdsOn(progs[i].prg, c, d)
					pr := &v.Properties[i]
					pr.Checked++
					if err == nil && ok {
						continue
					}
					pr.Failures++
					if pr.Counterexample == nil {
						pr.Counterexample = &Counterexample{Cell: describeCell(e, sp, cell), Case: c, Decision: d}
					}
				}
			}
		}
		v.Spaces = append(v.Spaces, size)
	}
	for _, r := range e.p.Rules {
		switch {
		case !canMatch[r.ID]:
			v.Dead = append(v.Dead, r.ID)
		case !won[r.ID]:
			v.Shadowed = append(v.Shadowed, r.ID)
		}
	}
	for g := GuardDoubleJudgment; g <= GuardDueProcess; g++ {
		if !acted[g] {
			v.IdleGuards = append(v.IdleGuards, g)
		}
	}
	return v, nil
}

// cellCases builds the cases verification decides for a cell: one from
// its representative for each number of strikes up to steps, and, in a
// cell where a rule keeps a residual, generated ones.
func (e *Engine) cellCases(t Target, sp *casespace.Space, cell, steps int, residual bool, rng *rand.Rand) []Case {
	vals := sp.Representative(cell)
	var cases []Case
	for k := range steps + 1 {
		if c, ok := e.caseOf(t, sp.Fields(), vals, k, nil); ok {
			cases = append(cases, c)
		}
	}
	if residual {
		for range generatedPerResidualCell {
			if c, ok := e.caseOf(t, sp.Fields(), vals, rng.IntN(steps+1), rng); ok {
				cases = append(cases, c)
			}
		}
	}
	return cases
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

// holdsOn evaluates a property on a case with one violation and its decision.
func (e *Engine) holdsOn(prg cel.Program, c Case, d Decision) (bool, error) {
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	role, err := e.validate(&c, st)
	if err != nil {
		return false, err
	}
	st.bind(&c, role)
	st.setViolation(0)
	out, _, err := prg.Eval(decisionActivation{st, &d})
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, errors.New("property yielded no bool")
	}
	return bool(b), nil
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
			if sp.ClassOfIndex(i, j) == class {
				names = append(names, e.p.Categories[j].Name)
			}
		}
		if len(names) == 1 {
			return names[0]
		}
		return fmt.Sprintf("%v", names)
	case celx.Severity:
		return Severity(x).String()
	case celx.Role:
		return roleName(Role(x))
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
