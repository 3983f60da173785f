package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/yamlpos"
	"github.com/groupwarden/warden/policy/policytest"
)

const testUsage = `Usage: warden test [-policy FILE] [-run PATTERN] [-cover] [-cover-min N] [-json] CASES...

Test runs the fixture cases of each CASES file, the format of package
policytest (a list of cases, each with a name, a reason, an input case and
the decision it expects), and prints each result as go test -v does, then a
summary. A fixture file that names its policy (policy: PATH, relative to the
file) runs against it; the others run against -policy FILE, or the embedded
default policy without it. Each case is decided twice: a decision must not
depend on anything but its input.

With -cover it then prints, for each policy the cases ran against, what
they exercised: every rule with the decisions it matched and won (and the
rules that never matched, named), every step of every escalation ladder,
every guard by outcome (lowered, pending, disabled) and every variable with
the values the evaluated conditions read. -cover-min N fails the run when
fewer than N percent of the rules of a policy matched in some case.

With -json it prints one JSON document instead of text:

	{"cases": [{"file", "name", "line", "passed", "diffs": [...]}],
	 "file_errors": [{"file", "errors": [...]}],
	 "ran", "failed", "passed",
	 "coverage": [{"policy": {"name", "version", "digest"},
	   "decisions", "rules": [{"id", "target",
	   "matched", "won"}], "rules_matched", "percent", "never_matched",
	   "ladders": [{"name", "steps": [{"step", "penalty", "duration",
	   "taken"}]}], "guards": [{"guard", "enabled", "lowered", "pending",
	   "disabled"}], "variables": [{"name", "read", "values"}]}]}

where coverage is there with -cover or -cover-min only.

Exit status: 1 when a case fails, a file has an error, no case matches
-run or the coverage is below -cover-min; 2 when the command line is wrong
or a file cannot be read.
`

// testReport is the result of warden test, and its -json output.
type testReport struct {
	Cases      []caseResult `json:"cases"`
	FileErrors []fileError  `json:"file_errors,omitempty"`
	Ran        int          `json:"ran"`
	Failed     int          `json:"failed"`
	Passed     bool         `json:"passed"`
	Coverage   []*coverage  `json:"coverage,omitempty"`
}

// caseResult is the outcome of one fixture case.
type caseResult struct {
	File   string   `json:"file"`
	Name   string   `json:"name"`
	Line   int      `json:"line"`
	Passed bool     `json:"passed"`
	Diffs  []string `json:"diffs,omitempty"`
}

// fileError is a fixture file that could not run, with every error.
type fileError struct {
	File   string   `json:"file"`
	Errors []string `json:"errors"`
}

func runTest(e *env, args []string) int {
	f := newFlags("test", testUsage)
	policyFile := f.policyFlag()
	pattern := f.String("run", "", "run only the cases whose `PATTERN` (a regular expression) matches FILE/NAME, where FILE is the base name of their file")
	cover := f.Bool("cover", false, "print what the cases exercised: rules, ladder steps, guards, variables")
	coverMin := f.Float64("cover-min", 0, "fail when fewer than `N` percent of the rules of a policy matched (implies -cover)")
	asJSON := f.Bool("json", false, "print the results as one JSON document")
	files, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		return f.fail(e, "no CASES file given")
	}
	if *coverMin < 0 || *coverMin > 100 {
		return f.fail(e, "-cover-min must be between 0 and 100")
	}
	*cover = *cover || *coverMin > 0
	var match *regexp.Regexp
	if *pattern != "" {
		var err error
		if match, err = regexp.Compile(*pattern); err != nil {
			return f.fail(e, "-run: %v", err)
		}
	}
	def, err := loadEngine(*policyFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		if *asJSON {
			// The one document still comes: the policy is a file with
			// errors, and no case ran.
			fe := fileError{File: *policyFile}
			for line := range strings.Lines(err.Error()) {
				fe.Errors = append(fe.Errors, strings.TrimSuffix(line, "\n"))
			}
			if werr := writeJSON(e.stdout, &testReport{Cases: []caseResult{}, FileErrors: []fileError{fe}}); werr != nil {
				fmt.Fprintf(e.stderr, "warden test: %v\n", werr)
			}
		}
		return failStatus(err)
	}
	out := e.stdout
	if *asJSON {
		out = io.Discard
	}
	ctx := context.Background()
	rep := &testReport{Cases: []caseResult{}}
	covers := map[string]*coverage{} // by policy digest
	ioFailed := false
	for _, file := range files {
		fx, err := loadFixtures(file, e)
		if err == nil {
			def := def
			if fx.Policy != "" {
				def, err = fx.Engine(def)
			}
			if err == nil {
				var cov *coverage
				if *cover {
					if cov = covers[def.Policy().Digest]; cov == nil {
						if cov, err = newCoverage(def); err != nil {
							fmt.Fprintln(e.stderr, err)
							return exitFail
						}
						covers[def.Policy().Digest] = cov
						rep.Coverage = append(rep.Coverage, cov)
					}
				}
				for _, c := range fx.Cases {
					name := filepath.Base(fx.Path) + "/" + c.Name
					if match != nil && !match.MatchString(name) {
						continue
					}
					rep.Ran++
					fmt.Fprintf(out, "=== RUN   %s\n", name)
					diffs := c.Check(ctx, def)
					res := caseResult{File: fx.Path, Name: c.Name, Line: c.Line, Passed: len(diffs) == 0}
					if cov != nil {
						if x, err := def.Explain(ctx, c.Input); err == nil {
							cov.add(x)
						}
					}
					if len(diffs) == 0 {
						fmt.Fprintf(out, "--- PASS: %s\n", name)
						rep.Cases = append(rep.Cases, res)
						continue
					}
					rep.Failed++
					fmt.Fprintf(out, "--- FAIL: %s\n", name)
					for _, d := range diffs {
						fmt.Fprintf(out, "    %s:%d: %s\n", fx.Path, c.Line, d)
						res.Diffs = append(res.Diffs, d)
					}
					rep.Cases = append(rep.Cases, res)
				}
				continue
			}
		}
		ioFailed = ioFailed || failStatus(err) == exitUsage
		fe := fileError{File: file}
		fmt.Fprintf(out, "--- FAIL: %s\n", filepath.Base(file))
		for line := range strings.Lines(err.Error()) {
			fmt.Fprintf(out, "    %s", line)
			fe.Errors = append(fe.Errors, strings.TrimSuffix(line, "\n"))
		}
		fmt.Fprintln(out)
		rep.FileErrors = append(rep.FileErrors, fe)
	}
	status = exitOK
	switch {
	case rep.Failed > 0 || len(rep.FileErrors) > 0:
		var parts []string
		if rep.Failed > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s failed", rep.Failed, plural(rep.Ran, "case")))
		}
		if len(rep.FileErrors) > 0 {
			parts = append(parts, fmt.Sprintf("%s with errors", plural(len(rep.FileErrors), "file")))
		}
		fmt.Fprintf(out, "FAIL: %s\n", strings.Join(parts, ", "))
		status = exitFail
		if ioFailed {
			status = exitUsage
		}
	case rep.Ran == 0:
		fmt.Fprintf(out, "FAIL: no case matches -run %q\n", *pattern)
		status = exitFail
	default:
		fmt.Fprintf(out, "PASS: %s in %s\n", plural(rep.Ran, "case"), plural(len(files), "file"))
	}
	for _, cov := range rep.Coverage {
		cov.finish()
		cov.write(out)
		if cov.Percent < *coverMin {
			fmt.Fprintf(out, "FAIL: %.1f%% of the rules of policy %s matched, below -cover-min %g\n", cov.Percent, cov.Policy.Name, *coverMin)
			status = max(status, exitFail)
		}
	}
	rep.Passed = status == exitOK
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			fmt.Fprintf(e.stderr, "warden test: %v\n", err)
			return exitFail
		}
	}
	return status
}

// loadFixtures reads a fixture file. An error names every problem of the
// file at once, each at its line and column with its field, as check does
// for a policy.
func loadFixtures(file string, e *env) (*policytest.File, error) {
	name, data, err := readInput(file, e.stdin)
	if err != nil {
		return nil, &inputError{file: name, msg: unwrapPath(err).Error(), io: true}
	}
	doc, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	var errs []*inputError
	for _, m := range misfits(doc.root, &policytest.File{}) {
		errs = append(errs, doc.errorAt(m.node, m.path+": "+m.msg))
	}
	// What the fixture format asks beyond the types: a case has a name
	// and a reason.
	if cases := yamlpos.Child(doc.root, "cases"); cases != nil && cases.Kind == yaml.SequenceNode {
		for i, c := range cases.Content {
			if c.Kind != yaml.MappingNode {
				continue
			}
			for _, key := range []string{"name", "reason"} {
				if v := yamlpos.Child(c, key); v == nil || v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == "" {
					errs = append(errs, doc.errorAt(c, fmt.Sprintf("cases[%d].%s: required: every case has a name and a reason", i, key)))
				}
			}
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *inputError) int { return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col)) })
		all := make([]error, len(errs))
		for i, e := range errs {
			all[i] = e
		}
		return nil, errors.Join(all...) // one a line
	}
	fx, err := policytest.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return fx, nil
}
