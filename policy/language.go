package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/dsa"
)

// The policy language: the YAML document a rule author writes, read into
// specs that keep the YAML node of every value for error positions. The
// specs, marshalled as JSON, are also the canonical form the digest hashes.

type policySpec struct {
	Name        string         `json:"name"`
	Version     string         `json:"version"`
	Description string         `json:"description,omitempty"`
	Settings    settingsSpec   `json:"settings"`
	Appeal      appealSpec     `json:"appeal"`
	Guards      guardsSpec     `json:"guards"`
	Categories  []categorySpec `json:"categories"`
	Variables   []variableSpec `json:"variables,omitempty"`
	Ladders     []ladderSpec   `json:"ladders,omitempty"`
	Rules       []ruleSpec     `json:"rules"`
}

type settingsSpec struct {
	// CostBudget bounds the estimated CEL cost of each rule, variables included.
	CostBudget uint64 `json:"cost_budget"`
	// BlastRadius is how many accounts one plan may touch before it needs a second approval.
	BlastRadius int `json:"blast_radius"`
}

type appealSpec struct {
	Route  string   `json:"route"`
	Window Duration `json:"window"`
}

type guardsSpec struct {
	DoubleJudgment         guardSpec `json:"double_judgment"`
	NoCollectivePunishment guardSpec `json:"no_collective_punishment"`
	Proportionality        guardSpec `json:"proportionality"`
	DueProcess             guardSpec `json:"due_process"`
}

type guardSpec struct {
	Enabled bool `json:"enabled"`
	// Penalty and Duration: the provisional group measure (double judgment)
	// or the fallback for a disproportionate permanent measure (proportionality).
	Penalty  Penalty  `json:"penalty,omitempty"`
	Duration Duration `json:"duration,omitempty"`
}

type categorySpec struct {
	Name          string   `json:"name"`
	Title         string   `json:"title,omitempty"`
	DSACategory   string   `json:"dsa_category"`
	DSAKeywords   []string `json:"dsa_keywords,omitempty"`
	ZeroTolerance bool     `json:"zero_tolerance,omitempty"`
	node          *yaml.Node
}

type variableSpec struct {
	Name       string `json:"name"`
	Expression expr   `json:"expression"`
	node       *yaml.Node
}

type ladderSpec struct {
	Name   string     `json:"name"`
	Window Duration   `json:"window"`
	Steps  []stepSpec `json:"steps"`
	node   *yaml.Node
	fields map[string]*yaml.Node // value node of each key present
}

type stepSpec struct {
	Penalty  Penalty  `json:"penalty"`
	Duration Duration `json:"duration,omitempty"`
	node     *yaml.Node
	fields   map[string]*yaml.Node // value node of each key present
}

type ruleSpec struct {
	ID          string   `json:"id"`
	Description string   `json:"description,omitempty"`
	Target      Target   `json:"target"`
	When        expr     `json:"when"`
	Penalty     expr     `json:"penalty,omitempty"`
	Ladder      string   `json:"ladder,omitempty"`
	Duration    Duration `json:"duration,omitempty"`
	Message     expr     `json:"message"`
	Ground      Ground   `json:"ground"`
	node        *yaml.Node
	fields      map[string]*yaml.Node // value node of each key present
}

// expr is a CEL expression with the YAML scalar it came from.
type expr struct {
	Src  string
	node *yaml.Node
}

func (e expr) MarshalText() ([]byte, error) { return []byte(e.Src), nil }

// Defaults of a policy that leaves settings out.
const (
	defaultCostBudget  = 10000
	defaultBlastRadius = 500
	minAppealWindow    = Duration(183 * 24 * 3600 * 1e9) // six months, DSA Art. 20
)

var (
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ruleIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// parser reads a policy document, collecting every problem it meets.
type parser struct {
	file  string
	lines []string
	errs  ErrorList
	// bad holds the nodes already reported, so that the compiler does not
	// report the same problem again as a consequence.
	bad map[*yaml.Node]bool
}

func (p *parser) errorf(n *yaml.Node, code Code, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
		if p.bad == nil {
			p.bad = map[*yaml.Node]bool{}
		}
		p.bad[n] = true
	}
	p.errorAt(line, col, code, format, args...)
}

func (p *parser) errorAt(line, col int, code Code, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Code: code, Message: fmt.Sprintf(format, args...)})
}

// yamlLineRE finds the line number in a yaml.v3 error message.
var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func (p *parser) parse(src []byte) *policySpec {
	doc, err := parseDocument(src)
	var second *secondDocumentError
	if errors.As(err, &second) {
		p.errorf(second.node, CodeYAMLSyntax, "%v", err)
		return nil
	}
	if err != nil {
		for _, msg := range yamlMessages(err) {
			p.errorAt(p.yamlErrorLine(msg), 1, CodeYAMLSyntax, "%s", yamlProblem(msg))
		}
		return nil
	}
	if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
		p.errorAt(1, 1, CodeMissingField, "empty policy: want a mapping with name, version, categories and rules")
		return nil
	}
	root := doc.Content[0]
	s := &policySpec{
		Settings: settingsSpec{CostBudget: defaultCostBudget, BlastRadius: defaultBlastRadius},
		Appeal:   appealSpec{Window: minAppealWindow},
		Guards: guardsSpec{
			DoubleJudgment:         guardSpec{Enabled: true, Penalty: PenaltyRestrict, Duration: Duration(72 * 3600 * 1e9)},
			NoCollectivePunishment: guardSpec{Enabled: true},
			Proportionality:        guardSpec{Enabled: true, Penalty: PenaltySuspend, Duration: Duration(30 * 24 * 3600 * 1e9)},
			DueProcess:             guardSpec{Enabled: true},
		},
	}
	seen := p.mapping(root, "policy", map[string]func(*yaml.Node){
		"name":        func(n *yaml.Node) { s.Name = p.str(n) },
		"version":     func(n *yaml.Node) { s.Version = p.str(n) },
		"description": func(n *yaml.Node) { s.Description = p.str(n) },
		"settings": func(n *yaml.Node) {
			p.mapping(n, "settings", map[string]func(*yaml.Node){
				"cost_budget": func(n *yaml.Node) {
					if v, ok := p.positive(n); ok {
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
						p.errorf(n, CodeInvalidValue, "appeal window %s is shorter than six months (183d)", d)
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
		p.errorf(root, CodeMissingAppealRoute, "the due-process guard is on, so appeal.route must say how a decision is contested")
	}
	return s
}

// secondDocumentError is the error of a file with more than one YAML
// document; node is the content of the second.
type secondDocumentError struct{ node *yaml.Node }

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

// yamlErrorLine returns the line of a YAML syntax error. yaml.v3 gives a
// line only in the message, and for parser errors (as opposed to scanner
// errors) it is the zero-based line of the enclosing construct, not of the
// problem; for some errors there is none. As the parser reads the document
// in order, the problem is on the first line whose prefix of the file fails
// with the same message: a shorter prefix parses, or fails otherwise (at
// its cut end). yamlErrorLine finds it by bisection; it falls back on
// yaml.v3's line when the whole file does not fail that way.
func (p *parser) yamlErrorLine(msg string) int {
	want := yamlProblem(msg)
	fails := func(n int) bool {
		_, err := parseDocument([]byte(strings.Join(p.lines[:n], "\n")))
		if err == nil {
			return false
		}
		return slices.ContainsFunc(yamlMessages(err), func(m string) bool { return yamlProblem(m) == want })
	}
	if n := len(p.lines); n > 0 && fails(n) {
		return 1 + sort.Search(n-1, func(i int) bool { return fails(i + 1) })
	}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if line, _ := strconv.Atoi(m[1]); line >= 1 {
			return line
		}
	}
	return 1
}

// yamlProblem returns a yaml.v3 error message without its "yaml: " and
// "line N: " prefixes.
func yamlProblem(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRE.FindStringIndex(msg); m != nil && m[0] == 0 {
		msg = strings.TrimPrefix(msg[m[1]:], ": ")
	}
	return msg
}

// yamlMessages splits a yaml.v3 error into its messages.
func yamlMessages(err error) []string {
	if te, ok := err.(*yaml.TypeError); ok {
		return te.Errors
	}
	return []string{err.Error()}
}

// mapping walks the keys of a mapping node in document order, calling the
// handler of each known key and reporting unknown ones. It returns the value
// node of each key seen, or nil when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, what string, handlers map[string]func(*yaml.Node)) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, CodeInvalidValue, "%s must be a mapping", what)
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	keys := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := keys[k.Value]; dup {
			// YAML forbids it; yaml.v3 does not check it when decoding into nodes.
			p.errorf(k, CodeYAMLSyntax, "mapping key %q already defined at line %d", k.Value, prev.Line)
			continue
		}
		keys[k.Value] = k
		h, ok := handlers[k.Value]
		if !ok {
			want := make([]string, 0, len(handlers))
			for key := range handlers {
				want = append(want, key)
			}
			slices.Sort(want)
			p.errorf(k, CodeUnknownKey, "unknown key %q in %s (want one of: %s)", k.Value, what, strings.Join(want, ", "))
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
	for _, k := range keys {
		switch v, ok := seen[k]; {
		case !ok || (v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == ""):
			p.errorf(n, CodeMissingField, "%s has no %s", what, k)
		case v.Kind == yaml.SequenceNode && len(v.Content) == 0:
			p.errorf(v, CodeMissingField, "%s has no %s: the list is empty", what, k)
		}
	}
}

func (p *parser) seq(n *yaml.Node, what string, item func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, CodeInvalidValue, "%s must be a list", what)
		return
	}
	for _, c := range n.Content {
		item(c)
	}
}

// scalar returns the text of a scalar node, and reports any other node.
func (p *parser) scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, CodeInvalidValue, "want a text value, not a %s", kindName(n))
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
		p.errorf(n, CodeInvalidValue, "want a positive whole number, not %q", s)
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
	p.errorf(n, CodeInvalidValue, "want true or false, not %q", s)
	return false, false
}

func (p *parser) duration(n *yaml.Node) (Duration, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		p.errorf(n, CodeInvalidValue, "%v", err)
		return 0, false
	}
	return d, true
}

func (p *parser) name(n *yaml.Node, what string) string {
	s, ok := p.scalar(n)
	if ok && !identRE.MatchString(s) {
		p.errorf(n, CodeInvalidValue, "%s name %q must be lower case letters, digits and underscores, starting with a letter", what, s)
	}
	return s
}

func (p *parser) penaltyName(n *yaml.Node) (Penalty, bool) {
	s, ok := p.scalar(n)
	if !ok {
		return 0, false
	}
	v, err := ParsePenalty(s)
	if err != nil {
		p.errorf(n, CodeUnknownPenalty, "%v", err)
		return 0, false
	}
	return v, true
}

// expression reads a CEL expression; its node is nil when n is not a scalar.
func (p *parser) expression(n *yaml.Node) expr {
	if s, ok := p.scalar(n); ok {
		return expr{Src: s, node: n}
	}
	return expr{}
}

func (p *parser) guards(n *yaml.Node, g *guardsSpec) {
	// highest is the heaviest measure each guard may leave: the double
	// judgment at most a provisional restriction, proportionality at most a
	// suspension.
	guard := func(gs *guardSpec, what string, highest Penalty) func(*yaml.Node) {
		return func(n *yaml.Node) {
			h := map[string]func(*yaml.Node){"enabled": func(n *yaml.Node) {
				if v, ok := p.boolean(n); ok {
					gs.Enabled = v
				}
			}}
			var durationNode *yaml.Node
			if highest != PenaltyNone {
				h["penalty"] = func(n *yaml.Node) {
					switch v, ok := p.penaltyName(n); {
					case ok && (v == PenaltyNone || v.Level() > highest.Level()):
						p.errorf(n, CodeInvalidValue, "%s may leave warn up to %s, not %s", what, highest, v)
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
				p.errorf(n, CodeMissingDuration, "%s: %s needs a duration above zero", what, gs.Penalty)
			case !gs.Penalty.Timed() && durationNode != nil:
				p.errorf(durationNode, CodeUnexpectedDuration, "%s: %s takes no duration", what, gs.Penalty)
			case !gs.Penalty.Timed():
				gs.Duration = 0 // the default duration belonged to the default measure
			}
		}
	}
	p.mapping(n, "guards", map[string]func(*yaml.Node){
		"double_judgment":          guard(&g.DoubleJudgment, "guards.double_judgment", PenaltyRestrict),
		"no_collective_punishment": guard(&g.NoCollectivePunishment, "guards.no_collective_punishment", PenaltyNone),
		"proportionality":          guard(&g.Proportionality, "guards.proportionality", PenaltySuspend),
		"due_process":              guard(&g.DueProcess, "guards.due_process", PenaltyNone),
	})
}

func (p *parser) category(n *yaml.Node) categorySpec {
	c := categorySpec{node: n}
	seen := p.mapping(n, "category", map[string]func(*yaml.Node){
		"name":           func(n *yaml.Node) { c.Name = p.name(n, "category") },
		"title":          func(n *yaml.Node) { c.Title = p.str(n) },
		"dsa_category":   func(n *yaml.Node) { c.DSACategory = p.str(n) },
		"dsa_keywords":   func(n *yaml.Node) { c.DSAKeywords = p.strs(n) },
		"zero_tolerance": func(n *yaml.Node) { c.ZeroTolerance, _ = p.boolean(n) },
	})
	if seen != nil {
		p.require(n, seen, "category", "name", "dsa_category")
		if c.node = seen["name"]; c.node == nil {
			c.node = n
		}
		p.dsa(seen["dsa_category"], seen["dsa_keywords"])
	}
	return c
}

func (p *parser) variable(n *yaml.Node) variableSpec {
	v := variableSpec{node: n}
	seen := p.mapping(n, "variable", map[string]func(*yaml.Node){
		"name":       func(n *yaml.Node) { v.Name = p.name(n, "variable") },
		"expression": func(n *yaml.Node) { v.Expression = p.expression(n) },
	})
	if seen != nil {
		p.require(n, seen, "variable", "name", "expression")
		if seen["name"] != nil {
			v.node = seen["name"]
		}
	}
	return v
}

func (p *parser) ladder(n *yaml.Node) ladderSpec {
	l := ladderSpec{node: n}
	seen := p.mapping(n, "ladder", map[string]func(*yaml.Node){
		"name":   func(n *yaml.Node) { l.Name = p.name(n, "ladder") },
		"window": func(n *yaml.Node) { l.Window, _ = p.duration(n) },
		"steps": func(n *yaml.Node) {
			p.seq(n, "steps", func(n *yaml.Node) {
				st := stepSpec{node: n}
				st.fields = p.mapping(n, "step", map[string]func(*yaml.Node){
					"penalty":  func(n *yaml.Node) { st.Penalty, _ = p.penaltyName(n) },
					"duration": func(n *yaml.Node) { st.Duration, _ = p.duration(n) },
				})
				if st.fields != nil {
					p.require(n, st.fields, "step", "penalty")
				}
				l.Steps = append(l.Steps, st)
			})
		},
	})
	if seen != nil {
		p.require(n, seen, "ladder", "name", "window", "steps")
		if seen["name"] != nil {
			l.node = seen["name"]
		}
	}
	l.fields = seen
	return l
}

func (p *parser) rule(n *yaml.Node) ruleSpec {
	r := ruleSpec{node: n}
	r.fields = p.mapping(n, "rule", map[string]func(*yaml.Node){
		"id": func(n *yaml.Node) {
			if r.ID = p.str(n); r.ID != "" && !ruleIDRE.MatchString(r.ID) {
				p.errorf(n, CodeInvalidValue, "rule id %q must be letters, digits, '-', '_' or '.', starting with a letter or digit", r.ID)
			}
		},
		"description": func(n *yaml.Node) { r.Description = p.str(n) },
		"target": func(n *yaml.Node) {
			s, ok := p.scalar(n)
			if !ok {
				return
			}
			t, err := ParseTarget(s)
			if err != nil || t == 0 {
				p.errorf(n, CodeUnknownTarget, "unknown target %q (want account or group)", s)
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
						p.errorf(n, CodeInvalidValue, "ground kind %q must be illegal or contractual", k)
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
	if r.fields == nil {
		return r
	}
	p.require(n, r.fields, "rule", "id", "target", "when", "message", "ground")
	_, hasPenalty := r.fields["penalty"]
	ladder, hasLadder := r.fields["ladder"]
	switch {
	case hasPenalty && hasLadder:
		p.errorf(ladder, CodeInvalidValue, "rule %q has both penalty and ladder: give one", r.ID)
	case !hasPenalty && !hasLadder:
		p.errorf(n, CodeMissingField, "rule %q has neither penalty nor ladder", r.ID)
	}
	return r
}

// dsa checks a category's DSA category and keywords against the values the
// Transparency Database accepts.
func (p *parser) dsa(category, keywords *yaml.Node) {
	if category != nil && category.Kind == yaml.ScalarNode && !dsa.Has("STATEMENT_CATEGORIES", category.Value) {
		p.errorf(category, CodeUnknownDSA, "unknown DSA category %q (want a STATEMENT_CATEGORY_... key)", category.Value)
	}
	if keywords != nil && keywords.Kind == yaml.SequenceNode {
		for _, k := range keywords.Content {
			if k.Kind == yaml.ScalarNode && !dsa.Has("KEYWORDS", k.Value) {
				p.errorf(k, CodeUnknownDSA, "unknown DSA keyword %q (want a KEYWORD_... key)", k.Value)
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
