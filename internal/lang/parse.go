package lang

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/dsa"
	"github.com/groupwarden/warden/internal/vocab"
	"github.com/groupwarden/warden/internal/yamlpos"
)

// Defaults of a policy that leaves settings out.
const (
	defaultCostBudget  = 10000
	defaultBlastRadius = 500
	minAppealWindow    = vocab.Duration(183 * 24 * 3600 * 1e9) // six months, DSA Art. 20
)

// MaxCostBudget is the largest settings.cost_budget a policy may declare,
// so that no evaluation is allowed an unbounded cost.
const MaxCostBudget = 1_000_000

var (
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ruleIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// parser reads a policy document, collecting every problem it meets.
type parser struct {
	*Errors
	// merged holds the mappings with a merge key, reported once: the keys
	// it would have given are not reported missing too.
	merged map[*yaml.Node]bool
}

// Parse reads a policy document into its spec, with defaults filled in.
// file names the document in error positions. The spec is nil when the
// document is not one (invalid YAML, not a mapping); otherwise it holds
// what could be read and the errors what could not.
func Parse(file string, src []byte) (*Spec, *Errors) {
	p := &parser{Errors: &Errors{File: file, Lines: strings.Split(string(src), "\n")}, merged: map[*yaml.Node]bool{}}
	return p.parse(src), p.Errors
}

// IsName reports whether s is a valid name of a category, variable or
// ladder: lower case letters, digits and underscores, from a letter.
func IsName(s string) bool { return identRE.MatchString(s) }

func (p *parser) parse(src []byte) *Spec {
	if len(src) > MaxPolicyBytes {
		p.AtLine(1, 1, vocab.CodeInvalidValue, "the document has %d bytes, more than MaxPolicyBytes (%d)", len(src), MaxPolicyBytes)
		return nil
	}
	doc, err := parseDocument(src)
	var second *secondDocumentError
	if errors.As(err, &second) {
		p.At(second.Node, vocab.CodeYAMLSyntax, "%v", err)
		return nil
	}
	if err != nil {
		for _, msg := range yamlpos.Messages(err) {
			at := yamlpos.Locate(p.Lines, msg, func(b []byte) error { _, err := parseDocument(b); return err })
			p.AtLine(max(at.Line, 1), max(at.Column, 1), vocab.CodeYAMLSyntax, "%s", at.Message)
		}
		return nil
	}
	if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
		p.AtLine(1, 1, vocab.CodeMissingField, "empty policy: want a mapping with name, version, categories and rules")
		return nil
	}
	root := doc.Content[0]
	if n, over := expandAliases(doc); over {
		p.At(n, vocab.CodeInvalidValue, "the aliases of this policy expand it to more than %d values (a policy may hold at most %d, aliases expanded)", MaxValues, MaxValues)
		return nil
	}
	s := &Spec{
		Settings: Settings{CostBudget: defaultCostBudget, BlastRadius: defaultBlastRadius},
		Appeal:   AppealSpec{Window: minAppealWindow},
		Guards: Guards{
			DoubleJudgment:         GuardSpec{Enabled: true, Penalty: vocab.PenaltyRestrict, Duration: vocab.Duration(72 * 3600 * 1e9)},
			NoCollectivePunishment: GuardSpec{Enabled: true},
			Proportionality:        GuardSpec{Enabled: true, Penalty: vocab.PenaltySuspend, Duration: vocab.Duration(30 * 24 * 3600 * 1e9)},
			DueProcess:             GuardSpec{Enabled: true},
		},
	}
	seen := p.mapping(root, "policy", map[string]func(*yaml.Node){
		"name":        func(n *yaml.Node) { s.Name = p.str(n) },
		"version":     func(n *yaml.Node) { s.Version = p.str(n) },
		"description": func(n *yaml.Node) { s.Description = p.str(n) },
		"settings": func(n *yaml.Node) {
			p.mapping(n, "settings", map[string]func(*yaml.Node){
				"cost_budget": func(n *yaml.Node) {
					if v, ok := p.positive(n); ok && v > MaxCostBudget {
						p.At(n, vocab.CodeInvalidValue, "cost budget %d is over the most a policy may set, %d (MaxCostBudget)", v, MaxCostBudget)
					} else if ok {
						s.Settings.CostBudget = uint64(v)
					}
				},
				"blast_radius": func(n *yaml.Node) {
					if v, ok := p.positive(n); ok {
						s.Settings.BlastRadius = v
					}
				},
			})
		},
		"appeal": func(n *yaml.Node) {
			p.mapping(n, "appeal", map[string]func(*yaml.Node){
				"route": func(n *yaml.Node) { s.Appeal.Route = p.str(n) },
				"window": func(n *yaml.Node) {
					if d, ok := p.duration(n); ok && d < minAppealWindow {
						p.At(n, vocab.CodeInvalidValue, "appeal window %s is shorter than six months (183d)", d)
					} else if ok {
						s.Appeal.Window = d
					}
				},
			})
		},
		"guards": func(n *yaml.Node) { p.guards(n, &s.Guards) },
		"categories": func(n *yaml.Node) {
			p.seq(n, "categories", func(n *yaml.Node) { s.Categories = append(s.Categories, p.category(n)) })
		},
		"variables": func(n *yaml.Node) {
			p.seq(n, "variables", func(n *yaml.Node) { s.Variables = append(s.Variables, p.variable(n)) })
		},
		"ladders": func(n *yaml.Node) {
			p.seq(n, "ladders", func(n *yaml.Node) { s.Ladders = append(s.Ladders, p.ladder(n)) })
		},
		"rules": func(n *yaml.Node) { p.seq(n, "rules", func(n *yaml.Node) { s.Rules = append(s.Rules, p.rule(n)) }) },
	})
	if seen == nil {
		return nil
	}
	p.require(root, seen, "policy", "name", "version", "categories", "rules")
	if s.Guards.DueProcess.Enabled && strings.TrimSpace(s.Appeal.Route) == "" {
		p.At(root, vocab.CodeMissingAppealRoute, "the due_process guard is on, so appeal.route must say how a decision is contested")
	}
	return s
}

// MaxValues bounds the values (scalars, mappings and lists) of a policy
// with its aliases expanded, so that aliases of aliases cannot make a small
// file take unbounded time to read.
const MaxValues = 100000

// expandAliases replaces each alias of the tree under n by the value it
// names, which the tree then shares. It stops, reporting the alias it met
// last, when the expanded tree would hold more than MaxValues values.
func expandAliases(n *yaml.Node) (*yaml.Node, bool) {
	count := 0
	var last *yaml.Node
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if count++; count > MaxValues {
			return false
		}
		for i, c := range n.Content {
			for c.Kind == yaml.AliasNode && c.Alias != nil {
				last, c = c, c.Alias
			}
			n.Content[i] = c
			if !walk(c) {
				return false
			}
		}
		return true
	}
	if !walk(n) {
		return last, true
	}
	return nil, false
}

// secondDocumentError is the error of a file with more than one YAML
// document; node is the content of the second.
type secondDocumentError struct{ Node *yaml.Node }

func (*secondDocumentError) Error() string {
	return "a policy is one YAML document, but the file holds a second one after ---"
}

// parseDocument parses src as a single YAML document. A second document,
// which yaml.Unmarshal would silently ignore, is an error.
func parseDocument(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, err
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case err == io.EOF:
			return &doc, nil
		case err != nil:
			return nil, err
		case len(next.Content) > 0 && next.Content[0].Tag != "!!null":
			return nil, &secondDocumentError{next.Content[0]}
		}
	}
}

// mapping walks the keys of a mapping node in document order, calling the
// handler of each known key and reporting unknown ones. It returns the value
// node of each key seen, or nil when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, what string, handlers map[string]func(*yaml.Node)) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.At(n, vocab.CodeInvalidValue, "%s must be a mapping", what)
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	keys := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := keys[k.Value]; dup {
			// YAML forbids it; yaml.v3 does not check it when decoding into nodes.
			p.At(k, vocab.CodeYAMLSyntax, "mapping key %q already defined at line %d", k.Value, prev.Line)
			continue
		}
		keys[k.Value] = k
		if k.Tag == "!!merge" {
			p.merged[n] = true
			p.At(k, vocab.CodeUnknownKey, "merge keys (<<) are not supported in %s: write its keys out, or give the whole value as an alias (ground: *law)", what)
			continue
		}
		h, ok := handlers[k.Value]
		if !ok {
			want := make([]string, 0, len(handlers))
			for key := range handlers {
				want = append(want, key)
			}
			slices.Sort(want)
			p.At(k, vocab.CodeUnknownKey, "unknown key %q in %s%s", k.Value, what, Hint(k.Value, want))
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue // a key without a value is absent: require reports it if needed
		}
		seen[k.Value] = v
		h(v)
	}
	return seen
}

// require reports each key that is absent, has no value or is an empty
// list: at the mapping when absent, at the value when empty.
func (p *parser) require(n *yaml.Node, seen map[string]*yaml.Node, what string, keys ...string) {
	if p.merged[n] {
		return
	}
	for _, k := range keys {
		switch v, ok := seen[k]; {
		case !ok || (v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == ""):
			p.At(n, vocab.CodeMissingField, "%s has no %s", what, k)
		case v.Kind == yaml.SequenceNode && len(v.Content) == 0:
			p.At(v, vocab.CodeMissingField, "%s has no %s: the list is empty", what, k)
		}
	}
}

func (p *parser) seq(n *yaml.Node, what string, item func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		p.At(n, vocab.CodeInvalidValue, "%s must be a list", what)
		return
	}
	for _, c := range p.overLimit(n, what) {
		item(c)
	}
}

// scalar returns the text of a scalar node, and reports any other node.
func (p *parser) scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.At(n, vocab.CodeInvalidValue, "want a text value, not a %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) str(n *yaml.Node) string {
	s, _ := p.scalar(n)
	return s
}

func (p *parser) strs(n *yaml.Node) []string {
	var out []string
	p.seq(n, "value", func(c *yaml.Node) { out = append(out, p.str(c)) })
	return out
}

// The value readers below report a value of the wrong type or form once,
// and return false with it, so that the caller keeps its default.

func (p *parser) positive(n *yaml.Node) (int, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		p.At(n, vocab.CodeInvalidValue, "want a positive whole number, not %q", s)
		return 0, false
	}
	return v, true
}

func (p *parser) boolean(n *yaml.Node) (bool, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	p.At(n, vocab.CodeInvalidValue, "want true or false, not %q", s)
	return false, false
}

func (p *parser) duration(n *yaml.Node) (vocab.Duration, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return 0, false
	}
	d, err := vocab.ParseDuration(s)
	if err != nil {
		p.At(n, vocab.CodeInvalidValue, "%v", err)
		return 0, false
	}
	return d, true
}

func (p *parser) name(n *yaml.Node, what string) string {
	s, ok := p.scalar(n)
	if ok && !identRE.MatchString(s) {
		p.At(n, vocab.CodeInvalidValue, "%s name %q must be lower case letters, digits and underscores, starting with a letter", what, s)
	}
	return s
}

func (p *parser) penaltyName(n *yaml.Node) (vocab.Penalty, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return 0, false
	}
	v, err := vocab.ParsePenalty(s)
	if err != nil {
		p.At(n, vocab.CodeUnknownPenalty, "%s", UnknownPenalty(s))
		return 0, false
	}
	return v, true
}

// expression reads a CEL expression; its node is nil when n is not a scalar.
func (p *parser) expression(n *yaml.Node) Expr {
	if s, ok := p.scalar(n); ok {
		return Expr{Src: s, Node: n}
	}
	return Expr{}
}

func (p *parser) guards(n *yaml.Node, g *Guards) {
	// highest is the heaviest measure each guard may leave: the double
	// judgment at most a provisional restriction, proportionality at most a
	// suspension.
	guard := func(gs *GuardSpec, what string, highest vocab.Penalty) func(*yaml.Node) {
		return func(n *yaml.Node) {
			h := map[string]func(*yaml.Node){"enabled": func(n *yaml.Node) {
				if v, ok := p.boolean(n); ok {
					gs.Enabled = v
				}
			}}
			var durationNode *yaml.Node
			if highest != vocab.PenaltyNone {
				h["penalty"] = func(n *yaml.Node) {
					switch v, ok := p.penaltyName(n); {
					case ok && (v == vocab.PenaltyNone || v.Level() > highest.Level()):
						p.At(n, vocab.CodeInvalidValue, "%s may leave warn up to %s, not %s", what, highest, v)
					case ok:
						gs.Penalty = v
					}
				}
				h["duration"] = func(n *yaml.Node) {
					if d, ok := p.duration(n); ok {
						gs.Duration, durationNode = d, n
					}
				}
			}
			p.mapping(n, what, h)
			switch {
			case gs.Penalty.Timed() && gs.Duration <= 0:
				p.At(n, vocab.CodeMissingDuration, "%s: %s needs a duration above zero", what, gs.Penalty)
			case !gs.Penalty.Timed() && durationNode != nil:
				p.At(durationNode, vocab.CodeUnexpectedDuration, "%s: %s takes no duration", what, gs.Penalty)
			case !gs.Penalty.Timed():
				gs.Duration = 0 // the default duration belonged to the default measure
			}
		}
	}
	p.mapping(n, "guards", map[string]func(*yaml.Node){
		"double_judgment":          guard(&g.DoubleJudgment, "guards.double_judgment", vocab.PenaltyRestrict),
		"no_collective_punishment": guard(&g.NoCollectivePunishment, "guards.no_collective_punishment", vocab.PenaltyNone),
		"proportionality":          guard(&g.Proportionality, "guards.proportionality", vocab.PenaltySuspend),
		"due_process":              guard(&g.DueProcess, "guards.due_process", vocab.PenaltyNone),
	})
}

func (p *parser) category(n *yaml.Node) CategorySpec {
	c := CategorySpec{Node: n}
	seen := p.mapping(n, "category", map[string]func(*yaml.Node){
		"name":           func(n *yaml.Node) { c.Name = p.name(n, "category") },
		"title":          func(n *yaml.Node) { c.Title = p.str(n) },
		"dsa_category":   func(n *yaml.Node) { c.DSACategory = p.str(n) },
		"dsa_keywords":   func(n *yaml.Node) { c.DSAKeywords = p.strs(n) },
		"zero_tolerance": func(n *yaml.Node) { c.ZeroTolerance, _ = p.boolean(n) },
	})
	if seen != nil {
		p.require(n, seen, "category", "name", "dsa_category")
		if c.Node = seen["name"]; c.Node == nil {
			c.Node = n
		}
		p.dsa(seen["dsa_category"], seen["dsa_keywords"])
	}
	return c
}

func (p *parser) variable(n *yaml.Node) VariableSpec {
	v := VariableSpec{Node: n}
	seen := p.mapping(n, "variable", map[string]func(*yaml.Node){
		"name":       func(n *yaml.Node) { v.Name = p.name(n, "variable") },
		"expression": func(n *yaml.Node) { v.Expression = p.expression(n) },
	})
	if seen != nil {
		p.require(n, seen, "variable", "name", "expression")
		if seen["name"] != nil {
			v.Node = seen["name"]
		}
	}
	return v
}

func (p *parser) ladder(n *yaml.Node) LadderSpec {
	l := LadderSpec{Node: n}
	seen := p.mapping(n, "ladder", map[string]func(*yaml.Node){
		"name":   func(n *yaml.Node) { l.Name = p.name(n, "ladder") },
		"window": func(n *yaml.Node) { l.Window, _ = p.duration(n) },
		"steps": func(n *yaml.Node) {
			p.seq(n, "steps", func(n *yaml.Node) {
				st := StepSpec{Node: n}
				st.Fields = p.mapping(n, "step", map[string]func(*yaml.Node){
					"penalty":  func(n *yaml.Node) { st.Penalty, _ = p.penaltyName(n) },
					"duration": func(n *yaml.Node) { st.Duration, _ = p.duration(n) },
				})
				if st.Fields != nil {
					p.require(n, st.Fields, "step", "penalty")
				}
				l.Steps = append(l.Steps, st)
			})
		},
	})
	if seen != nil {
		p.require(n, seen, "ladder", "name", "window", "steps")
		if seen["name"] != nil {
			l.Node = seen["name"]
		}
	}
	l.Fields = seen
	return l
}

func (p *parser) rule(n *yaml.Node) RuleSpec {
	r := RuleSpec{Node: n}
	r.Fields = p.mapping(n, "rule", map[string]func(*yaml.Node){
		"id": func(n *yaml.Node) {
			if r.ID = p.str(n); r.ID != "" && !ruleIDRE.MatchString(r.ID) {
				p.At(n, vocab.CodeInvalidValue, "rule id %q must be letters, digits, '-', '_' or '.', starting with a letter or digit", r.ID)
			}
		},
		"description": func(n *yaml.Node) { r.Description = p.str(n) },
		"target": func(n *yaml.Node) {
			s, ok := p.scalar(n)
			if !ok {
				return
			}
			t, err := vocab.ParseTarget(s)
			if err != nil || t == 0 {
				p.At(n, vocab.CodeUnknownTarget, "unknown target %q%s", s, Hint(s, []string{"account", "group"}))
				return
			}
			r.Target = t
		},
		"when":     func(n *yaml.Node) { r.When = p.expression(n) },
		"penalty":  func(n *yaml.Node) { r.Penalty = p.expression(n) },
		"ladder":   func(n *yaml.Node) { r.Ladder = p.str(n) },
		"duration": func(n *yaml.Node) { r.Duration, _ = p.duration(n) },
		"message":  func(n *yaml.Node) { r.Message = p.expression(n) },
		"ground": func(n *yaml.Node) {
			g := p.mapping(n, "ground", map[string]func(*yaml.Node){
				"kind": func(n *yaml.Node) {
					if k, ok := p.scalar(n); ok && k != "illegal" && k != "contractual" {
						p.At(n, vocab.CodeInvalidValue, "ground kind %q must be illegal or contractual", k)
					} else {
						r.Ground.Kind = k
					}
				},
				"reference": func(n *yaml.Node) { r.Ground.Reference = p.str(n) },
			})
			if g != nil {
				p.require(n, g, "ground", "kind", "reference")
			}
		},
	})
	if r.Fields == nil {
		return r
	}
	p.require(n, r.Fields, "rule", "id", "target", "when", "message", "ground")
	_, hasPenalty := r.Fields["penalty"]
	ladder, hasLadder := r.Fields["ladder"]
	switch {
	case hasPenalty && hasLadder:
		p.At(ladder, vocab.CodeInvalidValue, "rule %q has both penalty and ladder: give one", r.ID)
	case !hasPenalty && !hasLadder && !p.merged[n]:
		p.At(n, vocab.CodeMissingField, "rule %q has neither penalty nor ladder", r.ID)
	}
	return r
}

// dsa checks a category's DSA category and keywords against the values the
// Transparency Database accepts.
func (p *parser) dsa(category, keywords *yaml.Node) {
	if category != nil && category.Kind == yaml.ScalarNode && !dsa.Has("STATEMENT_CATEGORIES", category.Value) {
		p.At(category, vocab.CodeUnknownDSA, "unknown DSA category %q (want a STATEMENT_CATEGORY_... key)", category.Value)
	}
	if keywords != nil && keywords.Kind == yaml.SequenceNode {
		for _, k := range keywords.Content {
			if k.Kind == yaml.ScalarNode && !dsa.Has("KEYWORDS", k.Value) {
				p.At(k, vocab.CodeUnknownDSA, "unknown DSA keyword %q (want a KEYWORD_... key)", k.Value)
			}
		}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}
