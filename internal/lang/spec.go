// Package lang is warden's policy language: it reads the YAML document a
// rule author writes into a spec tree that keeps the YAML node of every
// value, so that the compiler can place its errors, and checks everything
// that needs no CEL (keys, types, names, durations, DSA values, guard
// settings). It knows nothing of programs or engines.
package lang

import (
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/vocab"
)

// The policy language: the YAML document a rule author writes, read into
// specs that keep the YAML node of every value for error positions. The
// specs, marshalled as JSON, are also the canonical form the digest hashes.

// Spec is a whole policy document, with defaults filled in.
type Spec struct {
	Name        string         `json:"name"`
	Version     string         `json:"version"`
	Description string         `json:"description,omitempty"`
	Settings    Settings       `json:"settings"`
	Appeal      AppealSpec     `json:"appeal"`
	Guards      Guards         `json:"guards"`
	Categories  []CategorySpec `json:"categories"`
	Variables   []VariableSpec `json:"variables,omitempty"`
	Ladders     []LadderSpec   `json:"ladders,omitempty"`
	Rules       []RuleSpec     `json:"rules"`
}

// Settings are the policy's limits.
type Settings struct {
	// CostBudget bounds the estimated CEL cost of each rule, variables included.
	CostBudget uint64 `json:"cost_budget"`
	// BlastRadius is how many accounts one plan may touch before it needs a second approval.
	BlastRadius int `json:"blast_radius"`
}

// AppealSpec is the appeal route and window.
type AppealSpec struct {
	Route  string         `json:"route"`
	Window vocab.Duration `json:"window"`
}

// Guards are the settings of the four guards.
type Guards struct {
	DoubleJudgment         GuardSpec `json:"double_judgment"`
	NoCollectivePunishment GuardSpec `json:"no_collective_punishment"`
	Proportionality        GuardSpec `json:"proportionality"`
	DueProcess             GuardSpec `json:"due_process"`
}

// GuardSpec is one guard's settings.
type GuardSpec struct {
	Enabled bool `json:"enabled"`
	// Penalty and Duration: the provisional group measure (double judgment)
	// or the fallback for a disproportionate permanent measure (proportionality).
	Penalty  vocab.Penalty  `json:"penalty,omitempty"`
	Duration vocab.Duration `json:"duration,omitempty"`
}

// CategorySpec is an entry of the category catalogue; Node is its name.
type CategorySpec struct {
	Name          string     `json:"name"`
	Title         string     `json:"title,omitempty"`
	DSACategory   string     `json:"dsa_category"`
	DSAKeywords   []string   `json:"dsa_keywords,omitempty"`
	ZeroTolerance bool       `json:"zero_tolerance,omitempty"`
	Node          *yaml.Node `json:"-"`
}

// VariableSpec is a named variable; Node is its name.
type VariableSpec struct {
	Name       string     `json:"name"`
	Expression Expr       `json:"expression"`
	Node       *yaml.Node `json:"-"`
}

// LadderSpec is an escalation ladder; Node is its name.
type LadderSpec struct {
	Name   string                `json:"name"`
	Window vocab.Duration        `json:"window"`
	Steps  []StepSpec            `json:"steps"`
	Node   *yaml.Node            `json:"-"`
	Fields map[string]*yaml.Node `json:"-"` // value node of each key present
}

// StepSpec is a step of a ladder.
type StepSpec struct {
	Penalty  vocab.Penalty         `json:"penalty"`
	Duration vocab.Duration        `json:"duration,omitempty"`
	Node     *yaml.Node            `json:"-"`
	Fields   map[string]*yaml.Node `json:"-"` // value node of each key present
}

// RuleSpec is a rule; Node is the rule's mapping.
type RuleSpec struct {
	ID          string                `json:"id"`
	Description string                `json:"description,omitempty"`
	Target      vocab.Target          `json:"target"`
	When        Expr                  `json:"when"`
	Penalty     Expr                  `json:"penalty,omitempty"`
	Ladder      string                `json:"ladder,omitempty"`
	Duration    vocab.Duration        `json:"duration,omitempty"`
	Message     Expr                  `json:"message"`
	Ground      vocab.Ground          `json:"ground"`
	Node        *yaml.Node            `json:"-"`
	Fields      map[string]*yaml.Node `json:"-"` // value node of each key present
}

// Expr is a CEL expression with the YAML scalar it came from.
type Expr struct {
	Src  string
	Node *yaml.Node `json:"-"`
}

// MarshalText writes the source, as the canonical form holds it.
func (e Expr) MarshalText() ([]byte, error) { return []byte(e.Src), nil }
