package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/groupwarden/warden/policy/policytest"
)

const testUsage = `Usage: warden test [-policy FILE] [-run PATTERN] CASES...

Test runs the fixture cases of each CASES file, the format of package
policytest (a list of cases, each with a name, a reason, an input case and
the decision it expects), and prints each result as go test -v does, then a
summary. A fixture file that names its policy (policy: PATH, relative to the
file) runs against it; the others run against -policy FILE, or the embedded
default policy without it. Each case is decided twice: a decision must not
depend on anything but its input.

It exits with status 1 when a case fails, a file has an error or no case
matches -run.
`

func runTest(e *env, args []string) int {
	f := newFlags("test", testUsage)
	policyFile := f.policyFlag()
	pattern := f.String("run", "", "run only the cases whose `PATTERN` (a regular expression) matches FILE/NAME, where FILE is the base name of their file")
	files, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		return f.fail(e, "no CASES file given")
	}
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
		return exitFail
	}
	ctx := context.Background()
	ran, failed, badFiles := 0, 0, 0
	for _, file := range files {
		fx, err := loadFixtures(file, e)
		if err == nil {
			def := def
			if fx.Policy != "" {
				def, err = fx.Engine(def)
			}
			if err == nil {
				for _, c := range fx.Cases {
					name := filepath.Base(fx.Path) + "/" + c.Name
					if match != nil && !match.MatchString(name) {
						continue
					}
					ran++
					fmt.Fprintf(e.stdout, "=== RUN   %s\n", name)
					diffs := c.Check(ctx, def)
					if len(diffs) == 0 {
						fmt.Fprintf(e.stdout, "--- PASS: %s\n", name)
						continue
					}
					failed++
					fmt.Fprintf(e.stdout, "--- FAIL: %s\n", name)
					for _, d := range diffs {
						fmt.Fprintf(e.stdout, "    %s:%d: %s\n", fx.Path, c.Line, d)
					}
				}
				continue
			}
		}
		badFiles++
		fmt.Fprintf(e.stdout, "--- FAIL: %s\n", filepath.Base(file))
		for line := range strings.Lines(err.Error()) {
			fmt.Fprintf(e.stdout, "    %s", line)
		}
		fmt.Fprintln(e.stdout)
	}
	switch {
	case failed > 0 || badFiles > 0:
		var parts []string
		if failed > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s failed", failed, plural(ran, "case")))
		}
		if badFiles > 0 {
			parts = append(parts, fmt.Sprintf("%s with errors", plural(badFiles, "file")))
		}
		fmt.Fprintf(e.stdout, "FAIL: %s\n", strings.Join(parts, ", "))
		return exitFail
	case ran == 0:
		fmt.Fprintf(e.stdout, "FAIL: no case matches -run %q\n", *pattern)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "PASS: %s in %s\n", plural(ran, "case"), plural(len(files), "file"))
	return exitOK
}

// loadFixtures reads a fixture file. An error names the line, column and
// field of the first problem.
func loadFixtures(file string, e *env) (*policytest.File, error) {
	name, data, err := readInput(file, e.stdin)
	if err != nil {
		return nil, &inputError{file: name, msg: unwrapPath(err).Error()}
	}
	doc, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	fx, err := policytest.Parse(name, data)
	if err != nil {
		if m := firstMisfit(doc.root, &policytest.File{}); m != nil {
			return nil, doc.errorAt(m.node, m.path+": "+m.msg)
		}
		return nil, err
	}
	return fx, nil
}
