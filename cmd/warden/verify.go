package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

const verifyUsage = `Usage: warden verify [-policy FILE] [-properties FILE] [-o FIXTURES] [-against OLD.yaml] [-json]

Verify checks the properties of a policy over every cell of its case space:
the partition of the case fields its rules, its guards and the properties
compare (category, severity, role, actor, verified, counts and ages cut at
the policy's constants). Each cell is decided on a case of one violation
built from it, once for every step of the ladders its rules climb, and on
generated cases where a rule keeps a residual that the partition cannot
decide. Then each ordered pair of cells that one subject in one group can
meet (alike in the subject's and the group's fields) is decided on a case
of both violations, for every ladder step; above 32,768 pairs per target a
seeded sample that holds every cell in a pair (the output says how many
pairs of how many). A property holds on a case when it holds with the
violation names bound to each of its violations in turn. A property that
fails is printed with its first counterexample,
written as a fixture case that warden test runs; -o writes them all to
FIXTURES, a fixture file whose cases pin today's decisions (fix the policy,
then the expectation). Verify also lists dead rules (no cell where they can
match), shadowed rules (they can match but never win) and guards that
never act on any case checked.

The properties are a side file beside the policy (RULES.md, "Properties"):
-properties FILE, by default FILE.properties.yaml next to -policy FILE
when it exists, and the default policy's own properties without -policy.

With -against OLD.yaml it also compares the two policies over their joint
partition: each field cut at the constants of both, so that both decide
alike within a joint cell. It decides a case of one violation per joint
cell and ladder step (and generated ones where a rule keeps a residual)
under both, and lists each change of decision grouped by target, role and
transition (ban -> suspend, none -> warn ...), with the number of joint
cells and of cases and one counterexample fixture per group: bystanders
newly penalised first. Categories only one policy declares are not
compared, and are listed.

Exit status 1 when a property fails or, with -against, a decision changes.
`

func runVerify(e *env, args []string) int {
	f := newFlags("verify", verifyUsage)
	policyPath := f.policyFlag()
	propsPath := f.String("properties", "", "the properties `FILE` (default: beside the policy)")
	out := f.String("o", "", "write the counterexamples as a fixture `FILE`")
	against := f.String("against", "", "compare with the older policy `OLD.yaml`")
	asJSON := f.Bool("json", false, "print the verification as JSON")
	rest, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return f.fail(e, "verify takes no arguments")
	}
	engine, err := loadEngine(*policyPath)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	name, src, err := propertiesSource(*policyPath, *propsPath)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	var props []policy.Property
	if src != nil {
		if props, err = policy.ParseProperties(name, src); err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitFail
		}
	}
	v, err := engine.Verify(context.Background(), props)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
		return exitFail
	}
	failed := false
	for _, p := range v.Properties {
		failed = failed || p.Failures > 0
	}
	var cmp policy.Comparison
	var oldEngine *policy.Engine
	if *against != "" {
		if oldEngine, err = loadEngine(*against); err != nil {
			fmt.Fprintln(e.stderr, err)
			return failStatus(err)
		}
		if cmp, err = engine.Against(context.Background(), oldEngine); err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", *against, err)
			return exitFail
		}
		failed = failed || len(cmp.Changes) > 0
	}
	if *out != "" {
		if err := writeCounterexamples(*out, *policyPath, v); err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitUsage
		}
	}
	if *asJSON {
		var doc any = v
		if *against != "" {
			cmp.Changes = orNone(cmp.Changes)
			doc = struct {
				policy.Verification
				policy.Comparison
			}{v, cmp}
		}
		if err := writeJSON(e.stdout, doc); err != nil {
			fmt.Fprintf(e.stderr, "warden verify: %v\n", err)
			return exitFail
		}
	} else {
		writeVerification(e.stdout, engine, name, v)
		if oldEngine != nil {
			writeChanges(e.stdout, *against, oldEngine, cmp)
		}
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// propertiesSource finds the properties of a policy: the file given, the
// file beside the policy, or the default policy's own.
func propertiesSource(policyPath, propsPath string) (string, []byte, error) {
	if propsPath == "" && policyPath == "" {
		return policy.DefaultPropertiesFile, policy.DefaultProperties(), nil
	}
	explicit := propsPath != ""
	if !explicit {
		propsPath = strings.TrimSuffix(policyPath, filepath.Ext(policyPath)) + ".properties.yaml"
	}
	src, err := os.ReadFile(propsPath)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return "", nil, nil // a policy without properties: rules and guards only
		}
		return "", nil, &inputError{file: propsPath, msg: unwrapPath(err).Error(), io: true}
	}
	return propsPath, src, nil
}

// writeVerification prints a verification for people.
func writeVerification(w io.Writer, e *policy.Engine, propsName string, v policy.Verification) {
	ref := e.Policy()
	fmt.Fprintf(w, "policy %s %s (sha256 %s)\n", ref.Name, ref.Version, ref.Digest[:12])
	var sizes []string
	residual := 0
	for _, s := range v.Spaces {
		sizes = append(sizes, fmt.Sprintf("%s %d cells", s.Target, s.Cells))
		residual += s.Residual
	}
	fmt.Fprintf(w, "case space: %s, %d with residuals; %d single-violation cases decided\n", strings.Join(sizes, ", "), residual, v.Cases)
	if rules, covered := residualCoverage(v); rules > 0 {
		fmt.Fprintf(w, "residuals: %d of %d (rule, cell) took both branches, matched and not, on cases drawn from the constants they compare with\n", covered, rules)
	}
	var pairs []string
	sampled := false
	for _, s := range v.Spaces {
		pairs = append(pairs, fmt.Sprintf("%s %d of %d", s.Target, s.PairsChecked, s.Pairs))
		sampled = sampled || s.PairsChecked < s.Pairs
	}
	how := "all"
	if sampled {
		how = fmt.Sprintf("a seeded sample above %d per target", policy.MaxVerifyPairs)
	}
	fmt.Fprintf(w, "pairs of cells (two violations, one subject): %s checked (%s); %d two-violation cases decided\n", strings.Join(pairs, ", "), how, v.PairCases)

	if propsName == "" {
		fmt.Fprintf(w, "\nproperties: none (no properties file beside the policy)\n")
	} else {
		fmt.Fprintf(w, "\nproperties of %s:\n", propsName)
	}
	for _, p := range v.Properties {
		if p.Failures == 0 {
			fmt.Fprintf(w, "  ok    %s (%d cases): %s\n", p.Property.Name, p.Checked, p.Property.Description)
			continue
		}
		fmt.Fprintf(w, "  FAIL  %s (fails on %d of %d cases): %s\n", p.Property.Name, p.Failures, p.Checked, p.Property.Description)
		fmt.Fprintf(w, "        holds: %s\n", p.Property.Holds)
		cx := p.Counterexample
		fmt.Fprintf(w, "        cell: %s\n", cx.Cell)
		if len(cx.Case.Violations) > 1 {
			fmt.Fprintf(w, "        fails with the violation names bound to %s\n", cx.Violation)
		}
		fmt.Fprintf(w, "        decided: %s", penaltyText(cx.Decision.Penalty, cx.Decision.Duration))
		if cx.Decision.Rule != "" {
			fmt.Fprintf(w, " by rule %s", cx.Decision.Rule)
		}
		fmt.Fprintf(w, "\n        counterexample (a fixture case for warden test):\n")
		b, err := yaml.Marshal([]policytest.Case{counterexampleCase(p)})
		if err != nil {
			fmt.Fprintf(w, "          %v\n", err)
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			fmt.Fprintf(w, "          %s\n", line)
		}
	}

	fmt.Fprintf(w, "\nrules:\n")
	for _, id := range v.Dead {
		fmt.Fprintf(w, "  dead      %s: no cell where its condition can hold\n", id)
	}
	for _, id := range v.Shadowed {
		fmt.Fprintf(w, "  shadowed  %s: it can match but never wins a case\n", id)
	}
	if len(v.Dead)+len(v.Shadowed) == 0 {
		fmt.Fprintf(w, "  every rule can match and wins some case\n")
	}
	fmt.Fprintf(w, "\nguards:\n")
	if len(v.IdleGuards) == 0 {
		fmt.Fprintf(w, "  every guard acts on some case\n")
	}
	for _, g := range v.IdleGuards {
		fmt.Fprintf(w, "  idle      %s: it never lowers or holds a decision of this policy\n", g)
	}
}

// listOrNone joins names, or says none.
func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// orNone is a nil list as an empty one, for JSON.
func orNone(c []policy.Change) []policy.Change {
	if c == nil {
		return []policy.Change{}
	}
	return c
}

// writeChanges prints the changes of decision against an older policy.
func writeChanges(w io.Writer, oldPath string, old *policy.Engine, cmp policy.Comparison) {
	ref := old.Policy()
	fmt.Fprintf(w, "\nchanges against %s (%s %s, sha256 %s):\n", oldPath, ref.Name, ref.Version, ref.Digest[:12])
	var sizes []string
	cases := 0
	for _, s := range cmp.Spaces {
		sizes = append(sizes, fmt.Sprintf("%s %d cells (new %d, old %d)", s.Target, s.Cells, s.New, s.Old))
		cases += s.Cases
	}
	fmt.Fprintf(w, "  joint partition: %s; %d single-violation cases decided under both\n", strings.Join(sizes, ", "), cases)
	if len(cmp.NewOnly)+len(cmp.OldOnly) > 0 {
		fmt.Fprintf(w, "  not compared: the categories only one policy declares (new: %s; old: %s)\n", listOrNone(cmp.NewOnly), listOrNone(cmp.OldOnly))
	}
	if len(cmp.Changes) == 0 {
		fmt.Fprintf(w, "  no decision changes\n")
	}
	for _, c := range cmp.Changes {
		who := c.Target.String()
		if c.Target == policy.TargetAccount {
			who = "account " + c.Role.String()
			if c.Bystander {
				who += " (bystander)"
			}
		}
		note := ""
		if c.NewlyPenalisesBystander() {
			note = ", NEWLY PENALISED BYSTANDERS"
		}
		fmt.Fprintf(w, "  %s: %s -> %s in %d joint cells, %d cases%s\n", who, c.From, c.To, c.Cells, c.Cases, note)
		fmt.Fprintf(w, "      first cell: %s\n", c.Cell)
		d := c.New
		fx := policytest.Case{
			Name:   fmt.Sprintf("%s: %s -> %s", who, c.From, c.To),
			Reason: "warden verify -against: the decision changes from " + c.From + " to " + c.To,
			Input:  c.Case,
			Expect: policytest.Expect{Penalty: d.Penalty, Duration: d.Duration, Rule: d.Rule,
				Matched: policytest.MatchedRules(d), Guards: policytest.GuardNotes(d), PendingReview: d.PendingReview},
		}
		b, err := yaml.Marshal([]policytest.Case{fx})
		if err != nil {
			fmt.Fprintf(w, "      %v\n", err)
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// counterexampleCase writes a property's counterexample as a fixture case
// that expects today's decision.
func counterexampleCase(p policy.PropertyResult) policytest.Case {
	cx := p.Counterexample
	d := cx.Decision
	return policytest.Case{
		Name:   "counterexample to " + p.Property.Name,
		Reason: fmt.Sprintf("warden verify: property %s fails (%s); the expectation pins today's decision: fix the policy, then the expectation", p.Property.Name, p.Property.Description),
		Input:  cx.Case,
		Expect: policytest.Expect{
			Penalty: d.Penalty, Duration: d.Duration, Rule: d.Rule,
			Matched: policytest.MatchedRules(d), Guards: policytest.GuardNotes(d), PendingReview: d.PendingReview,
		},
	}
}

// writeCounterexamples writes every failing property's counterexample to
// a fixture file that names the policy, relative to the file.
func writeCounterexamples(out, policyPath string, v policy.Verification) error {
	file := policytest.File{Cases: []policytest.Case{}}
	if policyPath != "" {
		abs, err := filepath.Abs(policyPath)
		if err != nil {
			return err
		}
		dir, err := filepath.Abs(filepath.Dir(out))
		if err != nil {
			return err
		}
		if file.Policy, err = filepath.Rel(dir, abs); err != nil {
			return err
		}
		file.Policy = filepath.ToSlash(file.Policy)
	}
	for _, p := range v.Properties {
		if p.Counterexample != nil {
			file.Cases = append(file.Cases, counterexampleCase(p))
		}
	}
	b, err := yaml.Marshal(file)
	if err != nil {
		return err
	}
	header := "# Counterexamples written by warden verify: each case pins today's decision\n# on a case where a property fails.\n"
	if err := os.WriteFile(out, append([]byte(header), b...), 0o644); err != nil {
		return &inputError{file: out, msg: unwrapPath(err).Error(), io: true}
	}
	return nil
}

// residualCoverage sums the residual rules of cells over the targets, and
// those whose cases took both branches.
func residualCoverage(v policy.Verification) (rules, covered int) {
	for _, s := range v.Spaces {
		rules += s.ResidualRules
		covered += s.ResidualCovered
	}
	return rules, covered
}
