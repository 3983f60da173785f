// Command cleanup runs the main job of warden: a clean-up campaign shaped
// like the 2017 one, over synthetic chat groups generated from a fixed seed,
// decided by the default policy (or another), with the campaign's report.
// Every figure in the report is computed by the policy over the data.
//
//	go run ./examples/cleanup [-json] [-html FILE] [-policy FILE] [-statements FILE] [-groups N] [-seed N]
//
// With -statements FILE it also writes one DSA statement of reasons per
// restricted account of the campaign to FILE, as a platform submits them:
// JSON lines, each line one batch request body {"statements": [...]} of at
// most 100 statements, with puids unique across the file.
// With -html FILE it also writes the report to FILE as one self-contained
// HTML page of charts and tables, as warden campaign -html does.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/internal/reporthtml"
	"github.com/groupwarden/warden/internal/synth"
	"github.com/groupwarden/warden/policy"
)

func main() {
	asJSON := flag.Bool("json", false, "print the report as JSON")
	policyFile := flag.String("policy", "", "a policy file to use instead of the embedded default policy")
	groups := flag.Int("groups", synth.Default.Groups, "how many groups the synthetic campaign has")
	seed := flag.Uint64("seed", synth.Default.Seed, "the seed of the synthetic campaign")
	statements := flag.String("statements", "", "write the campaign's statements of reasons to this file")
	htmlFile := flag.String("html", "", "write the report to this file as an HTML page")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, options{
		policyFile: *policyFile, asJSON: *asJSON, groups: *groups, seed: *seed, statements: *statements, html: *htmlFile,
	}); err != nil {
		fmt.Fprintln(os.Stderr, "cleanup:", err)
		os.Exit(1)
	}
}

type options struct {
	policyFile string
	asJSON     bool
	groups     int
	seed       uint64
	statements string
	html       string
}

func run(ctx context.Context, w io.Writer, o options) error {
	engine := policy.Default()
	if o.policyFile != "" {
		src, err := os.ReadFile(o.policyFile)
		if err != nil {
			return err
		}
		if engine, err = policy.Compile(o.policyFile, src); err != nil {
			return err
		}
	}
	cfg := synth.Default
	cfg.Groups, cfg.Seed = o.groups, o.seed
	campaign := enforcement.Campaign{Name: "special clean-up of chat groups (shaped like 2017's)", From: synth.Start, To: synth.End, Focus: synth.Focus}
	var runOpts []enforcement.RunOption
	var out *statementWriter
	if o.statements != "" {
		f, err := os.Create(o.statements)
		if err != nil {
			return err
		}
		defer f.Close()
		out = newStatementWriter(f, engine)
	}
	var latencies reporthtml.Latencies
	if out != nil || o.html != "" {
		runOpts = append(runOpts, enforcement.WithPlans(func(p *enforcement.Plan) error {
			latencies.Add(p)
			if out != nil {
				return out.add(p)
			}
			return nil
		}))
	}
	report, err := enforcement.NewPlanner(engine).Run(ctx, campaign, synth.Cases(cfg), runOpts...)
	if err != nil {
		return err
	}
	if o.html != "" {
		if err := writeHTML(o.html, report, &latencies); err != nil {
			return err
		}
	}
	if out != nil {
		if err := out.close(); err != nil {
			return err
		}
	}
	if o.asJSON {
		b, err := report.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return report.WriteText(w)
}

// statementWriter streams the statements of a campaign into JSON lines of
// batches, plan by plan.
type statementWriter struct {
	w      *bufio.Writer
	lines  *dsa.Writer
	engine *policy.Engine
}

func newStatementWriter(w io.Writer, engine *policy.Engine) *statementWriter {
	bw := bufio.NewWriter(w)
	return &statementWriter{w: bw, lines: dsa.NewWriter(bw), engine: engine}
}

func (sw *statementWriter) add(p *enforcement.Plan) error {
	statements, err := dsa.FromPlan(p, sw.engine)
	if err != nil {
		return err
	}
	return sw.lines.Write(statements...)
}

func (sw *statementWriter) close() error {
	if err := sw.lines.Close(); err != nil {
		return err
	}
	return sw.w.Flush()
}

// writeHTML writes the report as an HTML page to path.
func writeHTML(path string, r *enforcement.Report, lat *reporthtml.Latencies) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := reporthtml.Write(w, r, lat); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
