package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/reporthtml"
	"github.com/groupwarden/warden/policy"
)

const campaignUsage = `Usage: warden campaign [-policy FILE] [-json] [-html FILE] [-plans FILE] [-statements FILE] [flags] CASES.jsonl

Campaign plans every group case of CASES.jsonl and prints the campaign's
report: groups and accounts by measure, overall, for the focus categories
and the others, by category and by role, funds frozen, and the time from
detection to decision. CASES.jsonl holds JSON lines, one group case
(enforcement.GroupCase: group, members, violations, now) on each line;
blank lines are skipped; - reads standard input. Cases stream through: the
file is never held in memory whole.

With -plans FILE, the plan of every case is written to FILE, one JSON plan
a line, in the order of the cases. A progress line goes to standard error
every -every cases when standard error is a terminal, or with -progress.

With -html FILE, the report is also written to FILE as one self-contained
HTML page: charts in inline SVG, each with a table of its numbers, and the
histogram of the time from detection to decision.

With -statements FILE, the statements of reasons of every plan, in the
format of the DSA Transparency Database (package enforcement/dsa), are
written to FILE as a platform submits them: JSON lines, each line one
batch request body {"statements": [...]} of at most 100 statements, with
puids unique across the file (a case given twice gives its statements once).

It stops with status 1 at the first line that is not a valid group case,
reported as CASES.jsonl:line:col: field: message, or whose plan gives a
statement of reasons the database would refuse; the output files are then
incomplete. It exits with status 2 when the command line is wrong or a
file cannot be read or written.
`

func runCampaign(e *env, args []string) int {
	f := newFlags("campaign", campaignUsage)
	policyFile := f.policyFlag()
	asJSON := f.Bool("json", false, "print the report as JSON")
	plansFile := f.String("plans", "", "write every plan to `FILE`, one JSON plan a line")
	statementsFile := f.String("statements", "", "write the DSA statements of reasons of every plan to `FILE`, as JSON lines of batches of at most 100")
	htmlFile := f.String("html", "", "write the report to `FILE` as a self-contained HTML page")
	name := f.String("name", "", "the campaign's `NAME` in the report (default: the base name of CASES.jsonl)")
	focus := f.String("focus", "", "the focus `CATEGORIES`, comma-separated, reported apart (default: the policy's zero-tolerance categories)")
	workers := f.Int("workers", 0, "plan `N` cases in parallel (default: the number of CPUs); the output does not depend on it")
	progress := f.Bool("progress", false, "print progress lines on standard error even when it is not a terminal")
	every := f.Int("every", 1000, "print a progress line every `N` cases")
	rest, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		return f.fail(e, "want one CASES.jsonl file, got %d arguments (the policy is given with -policy FILE)", len(rest))
	}
	if *every < 1 {
		return f.fail(e, "-every must be at least 1")
	}
	if *workers < 0 || *workers > enforcement.MaxWorkers {
		return f.fail(e, "-workers must be between 0 (the number of CPUs) and %d (enforcement.MaxWorkers)", enforcement.MaxWorkers)
	}
	failf := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "warden campaign: "+format+"\n", args...)
		return exitFail
	}

	engine, err := loadEngine(*policyFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	file := rest[0]
	c := enforcement.Campaign{Name: *name, Focus: focusCategories(f, *focus, engine)}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if file == "-" {
			c.Name = "stdin"
		}
	}
	in, inName := io.Reader(e.stdin), stdinName
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			failf("%v", err)
			return exitUsage
		}
		defer fh.Close()
		in, inName = fh, file
	}
	lines := newCaseLines(inName, in)

	var plans *planWriter
	if *plansFile != "" {
		o, err := createOutput(*plansFile)
		if err != nil {
			failf("-plans: %v", err)
			return exitUsage
		}
		defer o.close()
		plans = &planWriter{o}
	}
	var page *outputFile
	if *htmlFile != "" {
		if page, err = createOutput(*htmlFile); err != nil {
			failf("-html: %v", err)
			return exitUsage
		}
		defer page.close()
	}
	var statements *statementWriter
	if *statementsFile != "" {
		o, err := createOutput(*statementsFile)
		if err != nil {
			failf("-statements: %v", err)
			return exitUsage
		}
		defer o.close()
		statements = newStatementWriter(o, engine)
	}

	showProgress := *progress || isTerminal(e.stderr)
	var tally progressTally
	var latencies reporthtml.Latencies
	each := func(p *enforcement.Plan) error {
		latencies.Add(p)
		if plans != nil {
			if err := plans.add(p); err != nil {
				return err
			}
		}
		if statements != nil {
			if err := statements.add(p); err != nil {
				return err
			}
		}
		lines.done()
		tally.add(p)
		if showProgress && tally.cases%*every == 0 {
			fmt.Fprintf(e.stderr, "warden campaign: %s\n", tally)
		}
		return nil
	}
	// The one plan of each penalised account follows the group plans.
	eachAccount := func(a *enforcement.AccountPlan) error {
		if plans != nil {
			b, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := plans.write(append(b, '\n')); err != nil {
				return err
			}
		}
		if statements != nil {
			if err := statements.add(&a.Plan); err != nil {
				return err
			}
		}
		tally.add(&a.Plan)
		return nil
	}
	opts := []enforcement.RunOption{enforcement.WithPlans(each), enforcement.WithAccountPlans(eachAccount)}
	if *workers > 0 {
		opts = append(opts, enforcement.WithWorkers(*workers))
	}
	report, err := enforcement.NewPlanner(engine).Run(context.Background(), c, lines.cases(), opts...)
	var se *statementError
	switch {
	case plans != nil && plans.err != nil:
		return failf("-plans: %v", plans.err)
	case statements != nil && statements.err != nil:
		return failf("-statements: %v", statements.err)
	case errors.Is(err, policy.ErrInvalidCase) || errors.Is(err, enforcement.ErrInvalidGroupCase) || errors.As(err, &se):
		fmt.Fprintln(e.stderr, lines.failed(err))
		return exitFail
	case err != nil:
		return failf("%v", err)
	}
	if err := lines.error(); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	if plans != nil {
		if err := plans.close(); err != nil {
			return failf("-plans: %v", err)
		}
	}
	if statements != nil {
		if err := statements.finish(); err != nil {
			return failf("-statements: %v", err)
		}
	}
	if page != nil {
		if err := writeReportHTML(page, report, &latencies); err != nil {
			return failf("-html: %v", err)
		}
	}
	if showProgress && tally.cases%*every != 0 {
		fmt.Fprintf(e.stderr, "warden campaign: %s\n", tally)
	}
	if *asJSON {
		b, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return failf("%v", err)
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return exitOK
	}
	if err := report.WriteText(e.stdout); err != nil {
		return failf("%v", err)
	}
	return exitOK
}

// focusCategories returns the categories the -focus flag names, or the
// policy's zero-tolerance categories when it is not given.
func focusCategories(f *flags, list string, engine *policy.Engine) []string {
	given := false
	f.Visit(func(fl *flag.Flag) { given = given || fl.Name == "focus" })
	var out []string
	if given {
		for _, cat := range strings.Split(list, ",") {
			if cat = strings.TrimSpace(cat); cat != "" {
				out = append(out, cat)
			}
		}
		return out
	}
	for _, cat := range engine.Categories() {
		if cat.ZeroTolerance {
			out = append(out, cat.Name)
		}
	}
	return out
}

// progressTally counts what the plans of a campaign did so far.
type progressTally struct {
	cases, closed, banned int
}

func (t *progressTally) add(p *enforcement.Plan) {
	if p.Group != "" {
		t.cases++
	}
	if p.GroupDecision.Penalty == policy.PenaltyClose {
		t.closed++
	}
	for _, d := range p.Decisions {
		if d.Penalty == policy.PenaltyBan {
			t.banned++
		}
	}
}

func (t progressTally) String() string {
	return fmt.Sprintf("%s planned: %s closed, %s banned",
		plural(t.cases, "case"), plural(t.closed, "group"), plural(t.banned, "account"))
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
