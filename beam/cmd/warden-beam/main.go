// Command warden-beam runs a warden campaign as an Apache Beam pipeline on
// any runner: Prism in-process by default, or Flink, Spark or Dataflow with
// Beam's own flags (--runner, --endpoint, --project, --region, ...).
//
//	warden-beam -cases 'cases-*.jsonl' -out out/campaign [-policy FILE] [-name NAME] [-from DATE] [-to DATE] [-focus a,b]
//	warden-beam -generate N -seed S -shared F -files K -cases-dir DIR
//
// It writes OUT-plans.jsonl (group plans, then one plan per penalised
// account), OUT-statements.jsonl (DSA batch request bodies of at most 100
// statements) and OUT-report.json. With -generate it writes the synthetic
// campaign of package synth as K files of JSON lines instead.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/groupwarden/warden/beam/campaign"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
)

var (
	cases    = flag.String("cases", "", "the group cases: a glob of JSON-lines files")
	out      = flag.String("out", "campaign", "the prefix of the output files")
	policyF  = flag.String("policy", "", "a policy file (default: the embedded default policy)")
	name     = flag.String("name", "special clean-up of chat groups (shaped like 2017's)", "the campaign's name")
	from     = flag.String("from", synth.Start.Format(time.DateOnly), "the first day of the campaign's window")
	to       = flag.String("to", synth.End.Format(time.DateOnly), "the day after the campaign's window")
	focus    = flag.String("focus", strings.Join(synth.Focus, ","), "the focus categories, comma-separated")
	generate = flag.Int("generate", 0, "write a synthetic campaign of this many groups instead of running one")
	seed     = flag.Uint64("seed", synth.Default.Seed, "the seed of the synthetic campaign")
	shared   = flag.Float64("shared", 0.1, "the share of synthetic accounts drawn from a pool shared by several groups")
	files    = flag.Int("files", 8, "how many files the synthetic campaign is written to")
	dir      = flag.String("cases-dir", ".", "where the synthetic campaign is written")
)

func main() {
	flag.Parse()
	beam.Init()
	if *generate > 0 {
		if err := writeSynthetic(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	if *cases == "" {
		return fmt.Errorf("warden-beam: -cases is required")
	}
	c := enforcement.Campaign{Name: *name}
	for _, d := range []struct {
		s   string
		dst *time.Time
	}{{*from, &c.From}, {*to, &c.To}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.s)
		if err != nil {
			return fmt.Errorf("warden-beam: %w", err)
		}
		*d.dst = t
	}
	if *focus != "" {
		c.Focus = strings.Split(*focus, ",")
	}
	src, err := campaign.ReadPolicy(*policyF)
	if err != nil {
		return err
	}
	p, s := beam.NewPipelineWithRoot()
	if err := campaign.Write(s, campaign.Config{Campaign: c, Policy: src, PolicyName: *policyF}, *cases, *out); err != nil {
		return err
	}
	return beamx.Run(ctx, p)
}

func writeSynthetic() error {
	cfg := synth.Default
	cfg.Groups, cfg.Seed = *generate, *seed
	if *shared > 0 {
		cfg.Shared, cfg.Pool = *shared, max(1, *generate/10)
	}
	ws := make([]*bufio.Writer, max(1, *files))
	for i := range ws {
		f, err := os.Create(filepath.Join(*dir, fmt.Sprintf("cases-%03d-of-%03d.jsonl", i, len(ws))))
		if err != nil {
			return err
		}
		defer f.Close()
		ws[i] = bufio.NewWriter(f)
	}
	i := 0
	for gc := range synth.Cases(cfg) {
		b, err := json.Marshal(gc)
		if err != nil {
			return err
		}
		ws[i%len(ws)].Write(append(b, '\n'))
		i++
	}
	for _, w := range ws {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}
