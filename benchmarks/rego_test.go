package benchmarks

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/groupwarden/warden/policy"
)

//go:embed warden.rego
var regoModule string

// regoDecider runs warden.rego, prepared once, with one evaluation per case.
type regoDecider struct{ query rego.PreparedEvalQuery }

func newRegoDecider(ctx context.Context) (*regoDecider, error) {
	q, err := rego.New(rego.Query("data.warden.decision"), rego.Module("warden.rego", regoModule)).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &regoDecider{query: q}, nil
}

// decide builds the input document from the case and reads back the
// winning [level, days, -rule, penalty].
func (d *regoDecider) decide(ctx context.Context, c policy.Case) (outcome, error) {
	a := c.Account
	admins := make([]any, len(c.Group.Admins))
	for i, id := range c.Group.Admins {
		admins[i] = id
	}
	violations := make([]any, len(c.Violations))
	for i := range c.Violations {
		v := &c.Violations[i]
		violations[i] = map[string]any{"category": v.Category, "severity": int(v.Severity), "actor": v.Actor}
	}
	input := map[string]any{
		"subject":    map[string]any{"id": a.ID, "strikes": strikes(a.History, c.Now, ladderWindow)},
		"group":      map[string]any{"owner": c.Group.Owner, "admins": admins},
		"violations": violations,
	}
	rs, err := d.query.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return outcome{}, err
	}
	if len(rs) == 0 {
		return outcome{}, nil // no rule holds
	}
	m, ok := rs[0].Expressions[0].Value.([]any)
	if !ok || len(m) != 4 {
		return outcome{}, fmt.Errorf("rego: unexpected decision %v", rs[0].Expressions[0].Value)
	}
	name, _ := m[3].(string)
	p, err := policy.ParsePenalty(name)
	if err != nil {
		return outcome{}, fmt.Errorf("rego: %w", err)
	}
	days, ok := m[1].(json.Number)
	if !ok {
		return outcome{}, fmt.Errorf("rego: unexpected duration %v", m[1])
	}
	n, err := days.Int64()
	if err != nil {
		return outcome{}, fmt.Errorf("rego: %w", err)
	}
	return withDuration(p, policy.Duration(time.Duration(n)*24*time.Hour)), nil
}
