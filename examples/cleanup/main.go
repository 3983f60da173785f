// Command cleanup runs the main job of warden: a clean-up campaign shaped
// like the 2017 one, over synthetic chat groups generated from a fixed seed,
// decided by the default policy (or another), with the campaign's report.
// Every figure in the report is computed by the policy over the data.
//
//	go run ./examples/cleanup [-json] [-html FILE] [-policy FILE] [-statements FILE] [-groups N] [-seed N] [-shared F] [-shards N]
//
// With -statements FILE it also writes the campaign's DSA statements of
// reasons to FILE, as a platform submits them: JSON lines, each line one
// batch request body {"statements": [...]} of at most 100 statements, with
// puids unique across the file; one statement per measure, a group's for
// its owner and one per restricted account however many groups reach it.
// With -html FILE it also writes the report to FILE as one self-contained
// HTML page of charts and tables, as warden campaign -html does. With
// -shared F a share F of the accounts sit in several groups. With -shards N
// it runs the campaign as N shards, merges their reports and reconciles
// their accounts once, and prints the same report as one run.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/internal/reporthtml"
	"github.com/groupwarden/warden/policy"
)

func main() {
	asJSON := flag.Bool("json", false, "print the report as JSON")
	policyFile := flag.String("policy", "", "a policy file to use instead of the embedded default policy")
	groups := flag.Int("groups", synth.Default.Groups, "how many groups the synthetic campaign has")
	seed := flag.Uint64("seed", synth.Default.Seed, "the seed of the synthetic campaign")
	statements := flag.String("statements", "", "write the campaign's statements of reasons to this file")
	htmlFile := flag.String("html", "", "write the report to this file as an HTML page")
	shared := flag.Float64("shared", 0, "the share of accounts drawn from a pool of accounts in several groups")
	shards := flag.Int("shards", 1, "run the campaign as this many shards and merge their reports")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, options{
		policyFile: *policyFile, asJSON: *asJSON, groups: *groups, seed: *seed, statements: *statements, html: *htmlFile,
		shared: *shared, shards: *shards,
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
	shared     float64
	shards     int
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
	if o.shared > 0 {
		cfg.Shared, cfg.Pool = o.shared, max(1, o.groups/10)
	}
	campaign := enforcement.Campaign{Name: "special clean-up of chat groups (shaped like 2017's)", From: synth.Start, To: synth.End, Focus: synth.Focus}
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
	each := func(p *enforcement.Plan) error {
		latencies.Add(p)
		if out != nil {
			return out.add(p)
		}
		return nil
	}
	eachAccount := func(a *enforcement.AccountPlan) error {
		if out != nil {
			return out.addAccount(a)
		}
		return nil
	}
	report, err := runShards(ctx, enforcement.NewPlanner(engine), campaign, cfg, max(1, o.shards), each, eachAccount)
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
		b, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return report.WriteText(w)
}

// runShards runs the campaign as n shards, one after the other here (on a
// platform, each on its own machine), merges their reports, and reconciles
// the measures of all shards into one plan per account, as one run would.
func runShards(ctx context.Context, planner *enforcement.Planner, c enforcement.Campaign, cfg synth.Config, n int,
	each func(*enforcement.Plan) error, eachAccount func(*enforcement.AccountPlan) error) (*enforcement.Report, error) {
	if n == 1 {
		return planner.Run(ctx, c, synth.Cases(cfg), enforcement.WithPlans(each), enforcement.WithAccountPlans(eachAccount))
	}
	rec := enforcement.NewReconciler()
	var report *enforcement.Report
	for k := range n {
		r, err := planner.Run(ctx, c, synth.Cases(cfg), enforcement.WithPlans(each), enforcement.WithShard(k, n), enforcement.WithMeasures(rec.Add))
		if err != nil {
			return nil, fmt.Errorf("shard %d of %d: %w", k, n, err)
		}
		if report == nil {
			report = r
		} else if err := report.Merge(r); err != nil {
			return nil, err
		}
	}
	if err := planner.Reconcile(ctx, c, rec, report, eachAccount); err != nil {
		return nil, err
	}
	return report, nil
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

func (sw *statementWriter) addAccount(a *enforcement.AccountPlan) error { return sw.add(&a.Plan) }

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
