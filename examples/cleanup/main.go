// Command cleanup runs the main job of warden: a clean-up campaign shaped
// like the 2017 one, over synthetic chat groups generated from a fixed seed,
// decided by the default policy (or another), with the campaign's report.
// Every figure in the report is computed by the policy over the data.
//
//	go run ./examples/cleanup [-json] [-policy FILE] [-statements FILE] [-groups N] [-seed N]
//
// With -statements FILE it also writes one DSA statement of reasons per
// restricted account of the campaign to FILE, as {"statements": [...]}.
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
	"github.com/groupwarden/warden/policy"
)

func main() {
	asJSON := flag.Bool("json", false, "print the report as JSON")
	policyFile := flag.String("policy", "", "a policy file to use instead of the embedded default policy")
	groups := flag.Int("groups", synth.Default.Groups, "how many groups the synthetic campaign has")
	seed := flag.Uint64("seed", synth.Default.Seed, "the seed of the synthetic campaign")
	statements := flag.String("statements", "", "write the campaign's statements of reasons to this file")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, options{
		policyFile: *policyFile, asJSON: *asJSON, groups: *groups, seed: *seed, statements: *statements,
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
		out = &statementWriter{w: bufio.NewWriter(f), engine: engine}
		runOpts = append(runOpts, enforcement.WithPlans(out.add))
	}
	report, err := enforcement.NewPlanner(engine).Run(ctx, campaign, synth.Cases(cfg), runOpts...)
	if err != nil {
		return err
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

// statementWriter streams the statements of a campaign into one
// {"statements": [...]} document, plan by plan.
type statementWriter struct {
	w      *bufio.Writer
	engine *policy.Engine
	n      int
}

func (sw *statementWriter) add(p *enforcement.Plan) error {
	statements, err := dsa.FromPlan(p, sw.engine)
	if err != nil {
		return err
	}
	for _, s := range statements {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		sep := ",\n"
		if sw.n == 0 {
			sep = "{\"statements\": [\n"
		}
		sw.w.WriteString(sep)
		sw.w.Write(b)
		sw.n++
	}
	return nil
}

func (sw *statementWriter) close() error {
	if sw.n == 0 {
		sw.w.WriteString("{\"statements\": [")
	}
	sw.w.WriteString("\n]}\n")
	return sw.w.Flush()
}
