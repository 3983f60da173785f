// Package campaign runs a warden enforcement campaign as an Apache Beam
// pipeline, on any Beam runner: Prism in-process, Flink, Spark or Dataflow.
//
// The pipeline reads group cases as JSON lines from sharded files, plans
// each group in a DoFn with one policy engine per worker, groups the
// account measures by account and reconciles them into one plan per
// account ([enforcement.Planner.ReconcileAccount], the same code the
// in-process campaign runs), combines the reports of every bundle with an
// exact merge ([enforcement.Report.Merge]), and writes the plans, the DSA
// statements of reasons as batch request bodies of at most 100, and the
// report. Its output equals the in-process campaign's over the same cases:
// the same plans by id and the same report, byte for byte.
package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

func init() {
	// Registered with their types, the DoFns are called without reflection.
	register.DoFn6x1[context.Context, string, func(string), func(string, string), func(int, string), func(string), error](&planFn{})
	register.DoFn6x1[context.Context, string, func(*string) bool, func(string), func(int, string), func(string), error](&reconcileFn{})
	register.DoFn3x1[int, func(*string) bool, func(string), error](&batchFn{})
	register.Combiner3[string, string, string](&mergeReports{})
	register.Emitter1[string]()
	register.Emitter2[string, string]()
	register.Emitter2[int, string]()
	register.Iter1[string]()
}

// Config is what the pipeline runs: the campaign and the policy.
type Config struct {
	Campaign enforcement.Campaign
	// Policy is the source of a YAML policy, and PolicyName the name its
	// errors are reported under; an empty Policy is the default policy.
	Policy     []byte
	PolicyName string
	// StatementShards is how many groups the statements are batched in
	// (default 16): each gives batches of at most 100 statements.
	StatementShards int
}

// Outputs are the pipeline's results.
type Outputs struct {
	// Plans are JSON lines: group plans (the group part, see
	// [enforcement.SplitPlan]) and account plans.
	Plans beam.PCollection
	// Statements are JSON lines, each a batch request body
	// {"statements": [...]} of at most 100 statements.
	Statements beam.PCollection
	// Report is the campaign's report as indented JSON, one element.
	Report beam.PCollection
}

// Build adds the campaign's stages to the pipeline, reading the group
// cases from cases, a PCollection of JSON lines.
func Build(s beam.Scope, cfg Config, cases beam.PCollection) (Outputs, error) {
	if _, err := cfg.engine(); err != nil {
		return Outputs{}, err
	}
	c, err := json.Marshal(cfg.Campaign)
	if err != nil {
		return Outputs{}, err
	}
	env := fnEnv{Campaign: string(c), Policy: string(cfg.Policy), PolicyName: cfg.PolicyName}
	shards := cfg.StatementShards
	if shards <= 0 {
		shards = 16
	}
	env.Shards = shards
	groupPlans, measures, groupStatements, groupReports := beam.ParDo4(s.Scope("plan groups"), &planFn{Env: env}, cases)
	byAccount := beam.GroupByKey(s.Scope("group measures by account"), measures)
	accountPlans, accountStatements, accountReports := beam.ParDo3(s.Scope("reconcile accounts"), &reconcileFn{Env: env}, byAccount)
	plans := beam.Flatten(s.Scope("plans"), groupPlans, accountPlans)
	reports := beam.Flatten(s.Scope("reports"), groupReports, accountReports)
	report := beam.Combine(s.Scope("merge reports"), &mergeReports{Env: env}, reports)
	statements := beam.Flatten(s.Scope("statements"), groupStatements, accountStatements)
	batches := beam.ParDo(s.Scope("batch statements"), &batchFn{}, beam.GroupByKey(s.Scope("group statements"), statements))
	return Outputs{Plans: plans, Statements: batches, Report: report}, nil
}

// Write builds the pipeline over the files matching casesGlob and writes
// prefix-plans.jsonl, prefix-statements.jsonl and prefix-report.json.
func Write(s beam.Scope, cfg Config, casesGlob, prefix string) error {
	out, err := Build(s, cfg, textio.Read(s.Scope("read cases"), casesGlob))
	if err != nil {
		return err
	}
	textio.Write(s.Scope("write plans"), prefix+"-plans.jsonl", out.Plans)
	textio.Write(s.Scope("write statements"), prefix+"-statements.jsonl", out.Statements)
	textio.Write(s.Scope("write report"), prefix+"-report.json", out.Report)
	return nil
}

func (cfg Config) engine() (*policy.Engine, error) {
	if len(cfg.Policy) == 0 {
		return policy.Default(), nil
	}
	return policy.Compile(cfg.PolicyName, cfg.Policy)
}

// fnEnv is what every DoFn needs, in a form Beam serialises.
type fnEnv struct {
	Campaign   string
	Policy     string
	PolicyName string
	// Shards is how many groups the statements are batched in.
	Shards int
}

// worker is one engine and planner per worker process and environment:
// compiling a policy once, not once per bundle or DoFn instance.
type worker struct {
	engine   *policy.Engine
	planner  *enforcement.Planner
	campaign enforcement.Campaign
}

var workers sync.Map // fnEnv → *worker

func (e fnEnv) worker() (*worker, error) {
	if w, ok := workers.Load(e); ok {
		return w.(*worker), nil
	}
	engine, err := Config{Policy: []byte(e.Policy), PolicyName: e.PolicyName}.engine()
	if err != nil {
		return nil, err
	}
	w := &worker{engine: engine, planner: enforcement.NewPlanner(engine)}
	if err := json.Unmarshal([]byte(e.Campaign), &w.campaign); err != nil {
		return nil, fmt.Errorf("campaign: %w", err)
	}
	got, _ := workers.LoadOrStore(e, w)
	return got.(*worker), nil
}

// planFn plans each group case; it hands on the group part of the plan,
// the account measures keyed by account, and the report of its bundle.
type planFn struct {
	Env fnEnv

	w      *worker
	report *enforcement.Report
}

func (f *planFn) Setup() (err error) {
	f.w, err = f.Env.worker()
	return err
}

func (f *planFn) StartBundle(_ context.Context, _ func(string), _ func(string, string), _ func(int, string), _ func(string)) {
	f.report = enforcement.NewReport(f.w.campaign, f.w.engine)
}

func (f *planFn) ProcessElement(ctx context.Context, line string, emitPlan func(string), emitMeasure func(string, string), emitStatement func(int, string), _ func(string)) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	var gc enforcement.GroupCase
	if err := json.Unmarshal([]byte(line), &gc); err != nil {
		return fmt.Errorf("campaign %s: a group case: %w", f.w.campaign.Name, err)
	}
	c := f.w.campaign
	if !c.InWindow(gc.Now) {
		f.report.Skipped++
		return nil
	}
	plan, err := f.w.planner.Plan(ctx, gc)
	if err != nil {
		return fmt.Errorf("campaign %s: group %s: %w", c.Name, gc.Group.ID, err)
	}
	gp, measures := enforcement.SplitPlan(plan)
	b, err := json.Marshal(gp)
	if err != nil {
		return err
	}
	emitPlan(string(b))
	for _, m := range measures {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		emitMeasure(m.Account(), string(b))
	}
	if err := f.Env.statements(f.w, gp, emitStatement); err != nil {
		return err
	}
	return f.report.AddPlan(gp)
}

func (f *planFn) FinishBundle(_ context.Context, _ func(string), _ func(string, string), _ func(int, string), emitReport func(string)) error {
	b, err := json.Marshal(f.report)
	if err != nil {
		return err
	}
	emitReport(string(b))
	return nil
}

// reconcileFn turns the measures of one account into its one plan.
type reconcileFn struct {
	Env fnEnv

	w      *worker
	report *enforcement.Report
}

func (f *reconcileFn) Setup() (err error) {
	f.w, err = f.Env.worker()
	return err
}

func (f *reconcileFn) StartBundle(_ context.Context, _ func(string), _ func(int, string), _ func(string)) {
	f.report = enforcement.NewReport(f.w.campaign, f.w.engine)
}

func (f *reconcileFn) ProcessElement(_ context.Context, account string, measures func(*string) bool, emitPlan func(string), emitStatement func(int, string), _ func(string)) error {
	var ms []enforcement.AccountMeasure
	var line string
	for measures(&line) {
		var m enforcement.AccountMeasure
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return fmt.Errorf("account %s: a measure: %w", account, err)
		}
		ms = append(ms, m)
	}
	ap, err := f.w.planner.ReconcileAccount(f.w.campaign, ms)
	if err != nil {
		return err
	}
	b, err := json.Marshal(ap)
	if err != nil {
		return err
	}
	emitPlan(string(b))
	if err := f.Env.statements(f.w, &ap.Plan, emitStatement); err != nil {
		return err
	}
	return f.report.AddAccount(ap)
}

func (f *reconcileFn) FinishBundle(_ context.Context, _ func(string), _ func(int, string), emitReport func(string)) error {
	b, err := json.Marshal(f.report)
	if err != nil {
		return err
	}
	emitReport(string(b))
	return nil
}

// mergeReports merges the reports of bundles, exactly and in any order.
type mergeReports struct {
	Env fnEnv
}

func (m *mergeReports) CreateAccumulator() string { return "" }

func (m *mergeReports) AddInput(acc, in string) (string, error) { return m.MergeAccumulators(acc, in) }

func (m *mergeReports) MergeAccumulators(a, b string) (string, error) {
	switch {
	case a == "":
		return b, nil
	case b == "":
		return a, nil
	}
	var ra, rb enforcement.Report
	if err := json.Unmarshal([]byte(a), &ra); err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(b), &rb); err != nil {
		return "", err
	}
	if err := ra.Merge(&rb); err != nil {
		return "", err
	}
	out, err := json.Marshal(&ra)
	return string(out), err
}

// ExtractOutput writes the report as the in-process campaign's JSON.
func (m *mergeReports) ExtractOutput(acc string) (string, error) {
	var r enforcement.Report
	if acc == "" {
		w, err := m.Env.worker()
		if err != nil {
			return "", err
		}
		r = *enforcement.NewReport(w.campaign, w.engine)
	} else if err := json.Unmarshal([]byte(acc), &r); err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(&r, "", "  ")
	return string(out), err
}

// statements emits the statements of reasons of a plan, keyed by a shard
// of their PUID for batching.
func (e fnEnv) statements(w *worker, p *enforcement.Plan, emit func(int, string)) error {
	ss, err := dsa.FromPlan(p, w.engine)
	if err != nil {
		return err
	}
	for _, st := range ss {
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		h := fnv.New32a()
		h.Write([]byte(st.PUID))
		emit(int(h.Sum32()%uint32(max(1, e.Shards))), string(b))
	}
	return nil
}

// batchFn cuts the statements of a shard into batch request bodies of at
// most 100, in the order of their PUID.
type batchFn struct{}

func (batchFn) ProcessElement(_ int, statements func(*string) bool, emit func(string)) error {
	var all []dsa.Statement
	var line string
	for statements(&line) {
		var st dsa.Statement
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			return err
		}
		all = append(all, st)
	}
	slices.SortFunc(all, func(a, b dsa.Statement) int { return strings.Compare(a.PUID, b.PUID) })
	for _, b := range dsa.Batches(all) {
		out, err := json.Marshal(b)
		if err != nil {
			return err
		}
		emit(string(out))
	}
	return nil
}

// ReadPolicy reads a policy file for [Config].
func ReadPolicy(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}
