// Command cleanup runs the main job of warden: a clean-up campaign shaped
// like the 2017 one, over synthetic chat groups generated from a fixed seed,
// decided by the default policy (or another), with the campaign's report.
// Every figure in the report is computed by the policy over the data.
//
//	go run ./examples/cleanup [-json] [-policy FILE] [-groups N] [-seed N]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/synth"
	"github.com/groupwarden/warden/policy"
)

func main() {
	asJSON := flag.Bool("json", false, "print the report as JSON")
	policyFile := flag.String("policy", "", "a policy file to use instead of the embedded default policy")
	groups := flag.Int("groups", synth.Default.Groups, "how many groups the synthetic campaign has")
	seed := flag.Uint64("seed", synth.Default.Seed, "the seed of the synthetic campaign")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *policyFile, *asJSON, *groups, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "cleanup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, policyFile string, asJSON bool, groups int, seed uint64) error {
	engine := policy.Default()
	if policyFile != "" {
		src, err := os.ReadFile(policyFile)
		if err != nil {
			return err
		}
		if engine, err = policy.Compile(policyFile, src); err != nil {
			return err
		}
	}
	cfg := synth.Default
	cfg.Groups, cfg.Seed = groups, seed
	campaign := enforcement.Campaign{Name: "special clean-up of chat groups (shaped like 2017's)", From: synth.Start, To: synth.End, Focus: synth.Focus}
	report, err := enforcement.NewPlanner(engine).Run(ctx, campaign, synth.Cases(cfg))
	if err != nil {
		return err
	}
	if asJSON {
		b, err := report.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return report.WriteText(w)
}
