package benchmarks

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
)

// celLoop is the plain way to run the default policy with cel-go: each
// rule's condition, read from default.yaml, compiled into a program over a
// map activation, and every rule evaluated for every violation (no index),
// the most severe outcome winning.
type celLoop struct {
	rules        []celRule
	zeroTolerant map[string]bool
}

type celRule struct {
	id         string
	when       cel.Program
	whenAst    *cel.Ast // what when was compiled from, penaltyAst likewise
	penaltyAst *cel.Ast
	penalty    outcome     // a literal penalty, when penaltyX and ladder are nil
	penaltyX   cel.Program // a penalty expression
	duration   policy.Duration
	ladder     []outcome
	window     policy.Duration
}

// celPolicy is the part of default.yaml the loop needs.
type celPolicy struct {
	Categories []struct {
		Name          string
		ZeroTolerance bool `yaml:"zero_tolerance"`
	}
	Variables []struct{ Name, Expression string }
	Ladders   []struct {
		Name   string
		Window string
		Steps  []struct{ Penalty, Duration string }
	}
	Rules []struct{ ID, Target, When, Penalty, Ladder, Duration string }
}

var variableRef = regexp.MustCompile(`variables\.([a-z_][a-z0-9_]*)`)

// newCELLoop compiles the account rules of the default policy over two map
// variables, violation and subject.
func newCELLoop() (*celLoop, error) {
	ar, err := compileAccountRules([]cel.EnvOption{
		cel.Variable("violation", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("subject", cel.MapType(cel.StringType, cel.DynType)),
	})
	if err != nil {
		return nil, err
	}
	return &celLoop{rules: ar.rules, zeroTolerant: ar.zeroTolerant}, nil
}

// accountRules are the default policy's account rules compiled in one
// environment, with the catalogue's categories in order and each one's zero
// tolerance.
type accountRules struct {
	env          *cel.Env
	rules        []celRule
	categories   []string
	zeroTolerant map[string]bool
}

// compileAccountRules compiles the account rules of the default policy in an
// environment with the given variables, each program with the given
// options. Variables
// are inlined into the conditions that use them; the enums become constants
// (severities and penalties as ints, roles and categories as strings).
func compileAccountRules(vars []cel.EnvOption, progOpts ...cel.ProgramOption) (*accountRules, error) {
	var spec celPolicy
	if err := yaml.Unmarshal(policy.DefaultSource(), &spec); err != nil {
		return nil, err
	}
	ar := &accountRules{zeroTolerant: map[string]bool{}}
	opts := append([]cel.EnvOption(nil), vars...)
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		opts = append(opts, cel.Constant("severity."+s.String(), cel.IntType, types.Int(s)))
	}
	for p := policy.PenaltyNone; p <= policy.PenaltyClose; p++ {
		opts = append(opts, cel.Constant("penalty."+p.String(), cel.IntType, types.Int(p)))
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		opts = append(opts, cel.Constant("role."+r.String(), cel.StringType, types.String(r.String())))
	}
	for _, c := range spec.Categories {
		opts = append(opts, cel.Constant("category."+c.Name, cel.StringType, types.String(c.Name)))
		ar.zeroTolerant[c.Name] = c.ZeroTolerance
		ar.categories = append(ar.categories, c.Name)
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	ar.env = env
	variables := map[string]string{}
	inline := func(src string) string {
		return variableRef.ReplaceAllStringFunc(src, func(ref string) string {
			return "(" + variables[ref[len("variables."):]] + ")"
		})
	}
	for _, v := range spec.Variables {
		variables[v.Name] = inline(v.Expression)
	}
	compile := func(src string) (cel.Program, *cel.Ast, error) {
		ast, iss := env.Compile(inline(src))
		if iss.Err() != nil {
			return nil, nil, iss.Err()
		}
		prg, err := env.Program(ast, progOpts...)
		return prg, ast, err
	}
	ladders := map[string]celRule{}
	for _, ld := range spec.Ladders {
		w, err := policy.ParseDuration(ld.Window)
		if err != nil {
			return nil, err
		}
		r := celRule{window: w}
		for _, st := range ld.Steps {
			o, err := parseOutcome(st.Penalty, st.Duration)
			if err != nil {
				return nil, err
			}
			r.ladder = append(r.ladder, o)
		}
		ladders[ld.Name] = r
	}
	for _, rs := range spec.Rules {
		if rs.Target != "account" {
			continue
		}
		r := ladders[rs.Ladder]
		r.id = rs.ID
		if r.when, r.whenAst, err = compile(rs.When); err != nil {
			return nil, fmt.Errorf("rule %s: %w", rs.ID, err)
		}
		if rs.Duration != "" {
			if r.duration, err = policy.ParseDuration(rs.Duration); err != nil {
				return nil, fmt.Errorf("rule %s: %w", rs.ID, err)
			}
		}
		if rs.Ladder == "" {
			if p, perr := policy.ParsePenalty(rs.Penalty); perr == nil {
				r.penalty = withDuration(p, r.duration)
			} else if r.penaltyX, r.penaltyAst, err = compile(rs.Penalty); err != nil {
				return nil, fmt.Errorf("rule %s: %w", rs.ID, err)
			}
		}
		ar.rules = append(ar.rules, r)
	}
	return ar, nil
}

func parseOutcome(penalty, duration string) (outcome, error) {
	p, err := policy.ParsePenalty(penalty)
	if err != nil {
		return outcome{}, err
	}
	var d policy.Duration
	if duration != "" {
		if d, err = policy.ParseDuration(duration); err != nil {
			return outcome{}, err
		}
	}
	return withDuration(p, d), nil
}

// withDuration gives a timed penalty its duration and others none.
func withDuration(p policy.Penalty, d policy.Duration) outcome {
	if !p.Timed() {
		d = 0
	}
	return outcome{Penalty: p, Duration: d}
}

// decide builds the activation the way a plain cel-go program would, one
// map per violation with the fields the rules read, and evaluates every rule.
func (l *celLoop) decide(_ context.Context, c policy.Case) (outcome, error) {
	a := c.Account
	role := c.Group.RoleOf(a.ID).String()
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		vars := map[string]any{
			"violation": map[string]any{
				"category":       v.Category,
				"severity":       int64(v.Severity),
				"zero_tolerance": l.zeroTolerant[v.Category],
			},
			"subject": map[string]any{
				"id":       a.ID,
				"role":     role,
				"is_actor": v.Actor != "" && v.Actor == a.ID,
			},
		}
		for j := range l.rules {
			r := &l.rules[j]
			out, _, err := r.when.Eval(vars)
			if err != nil {
				return outcome{}, fmt.Errorf("rule %s: %w", r.id, err)
			}
			if out != types.True {
				continue
			}
			o, err := r.ask(vars, a.History, c.Now)
			if err != nil {
				return outcome{}, fmt.Errorf("rule %s: %w", r.id, err)
			}
			if o.outranks(best) {
				best = o
			}
		}
	}
	return best, nil
}

// step is the ladder step a history has reached.
func (r *celRule) step(history []policy.Record, now time.Time) outcome {
	return r.ladder[min(strikes(history, now, r.window), len(r.ladder)-1)]
}

// subjectRole is the role of a case's account in its group, which every
// contender that reads the role needs.
func subjectRole(c policy.Case) (policy.Role, error) {
	role := c.Group.RoleOf(c.Account.ID)
	if role < policy.RoleOwner || role > policy.RoleMember {
		return 0, fmt.Errorf("no role for %q in group %s", c.Account.ID, c.Group.ID)
	}
	return role, nil
}

// ask is what a rule whose condition holds asks for.
func (r *celRule) ask(vars any, history []policy.Record, now time.Time) (outcome, error) {
	switch {
	case r.ladder != nil:
		return r.step(history, now), nil
	case r.penaltyX != nil:
		out, _, err := r.penaltyX.Eval(vars)
		if err != nil {
			return outcome{}, err
		}
		p, ok := out.(types.Int)
		if !ok || !policy.Penalty(p).AppliesTo(policy.TargetAccount) {
			return outcome{}, fmt.Errorf("penalty expression yielded %v", out)
		}
		return withDuration(policy.Penalty(p), r.duration), nil
	}
	return r.penalty, nil
}
