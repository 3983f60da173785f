// Package schema holds the JSON Schema of warden policy files,
// policy.schema.json, for editors (the YAML language server); its tests
// keep it in step with the policy loader.
package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/dsa"
	"github.com/groupwarden/warden/policy"
)

const schemaFile = "policy.schema.json"

func loadValidator(t *testing.T) *validator {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	require.NoError(t, err)
	v, err := newValidator(data)
	require.NoError(t, err)
	return v
}

func parseYAML(t *testing.T, src []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(src, &doc))
	return &doc
}

// loaderErrors compiles a policy and returns its errors; none when it compiles.
func loaderErrors(t *testing.T, name string, src []byte) policy.ErrorList {
	t.Helper()
	_, err := policy.Compile(name, src)
	if err == nil {
		return nil
	}
	var list policy.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	return list
}

func TestSchemaIsDraft202012(t *testing.T) {
	v := loadValidator(t)
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", v.root["$schema"])
	assert.Equal(t, "https://raw.githubusercontent.com/groupwarden/warden/main/schema/policy.schema.json", v.root["$id"])
}

// The validator refuses what it does not implement, so the schema cannot
// lean on a keyword no test exercises.
func TestValidatorRefusesUnknownKeywords(t *testing.T) {
	for _, s := range []string{
		`{"type": "object", "patternProperties": {}}`,
		`{"$ref": "#/$defs/missing"}`,
		`{"additionalProperties": {"type": "string"}}`,
		`{"enum": [1, 2]}`,
		`{"properties": {"a": {"format": "date"}}}`,
	} {
		_, err := newValidator([]byte(s))
		assert.Error(t, err, s)
	}
}

// policyFiles are the policies that compile: the default policy, every
// file of testdata/policies/valid, the policy of examples/custom-rules and
// the whole policies of RULES.md.
func policyFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{policy.DefaultFile: policy.DefaultSource()}
	paths, err := filepath.Glob("../testdata/policies/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	paths = append(paths, "../examples/custom-rules/policy.yaml")
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		files[p] = src
	}
	rules, err := os.ReadFile("../RULES.md")
	require.NoError(t, err)
	for i, block := range strings.Split(string(rules), "```yaml policy\n")[1:] {
		src, _, ok := strings.Cut(block, "\n```")
		require.True(t, ok)
		files[fmt.Sprintf("RULES.md policy %d", i+1)] = []byte(src + "\n")
	}
	return files
}

func TestSchemaAcceptsValidPolicies(t *testing.T) {
	v := loadValidator(t)
	for name, src := range policyFiles(t) {
		require.Empty(t, loaderErrors(t, name, src), "%s does not compile", name)
		assert.Empty(t, v.validate(parseYAML(t, src)), name)
	}
}

// positions renders where each error is, as line:col, sorted.
func positions[E any](errs []E, at func(E) (int, int)) []string {
	var out []string
	for _, e := range errs {
		l, c := at(e)
		out = append(out, fmt.Sprintf("%d:%d", l, c))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func loaderPositions(list policy.ErrorList) []string {
	return positions(list, func(e *policy.Error) (int, int) { return e.Line, e.Column })
}

func schemaPositions(vs []violation) []string {
	return positions(vs, func(v violation) (int, int) { return v.line, v.col })
}

// The files of the broken-policy corpus whose only errors are unknown
// keys and values of the wrong type or form are refused by the schema too,
// at the same places. semantic lists the files whose invalid value is one
// of the right type that only the loader can judge.
func TestSchemaRejectsWhatTheLoaderRejects(t *testing.T) {
	semantic := map[string]string{
		"invalid-value-appeal-window.yaml":           "an appeal window shorter than six months is a well-formed duration",
		"invalid-value-ladder-starts-permanent.yaml": "a ladder's first step is a well-formed penalty; the order of steps is the loader's to judge",
		"invalid-value-ladder-steps-down.yaml":       "each step is a well-formed penalty; the order of steps is the loader's to judge",
	}
	v := loadValidator(t)
	paths, err := filepath.Glob("../testdata/policies/invalid/*.yaml")
	require.NoError(t, err)
	tested := 0
	for _, path := range paths {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		list := loaderErrors(t, path, src)
		require.NotEmpty(t, list, path)
		onlyShape := !slices.ContainsFunc(list, func(e *policy.Error) bool {
			return e.Code != policy.CodeUnknownKey && e.Code != policy.CodeInvalidValue
		})
		name := filepath.Base(path)
		if !onlyShape {
			continue
		}
		t.Run(name, func(t *testing.T) {
			got := v.validate(parseYAML(t, src))
			if reason, ok := semantic[name]; ok {
				assert.Empty(t, got, "%s is listed as beyond the schema (%s)", name, reason)
				return
			}
			tested++
			assert.Equal(t, loaderPositions(list), schemaPositions(got), "loader:\n%v\nschema:\n%v", list, got)
		})
	}
	assert.GreaterOrEqual(t, tested, 8, "too few corpus files exercise the schema")
}

// Small policies with one problem each of the kinds the schema can see,
// refused by the loader and the schema at the same places.
func TestSchemaRejectsWrongShapes(t *testing.T) {
	const rule = `
  - id: spam-warn
    target: account
    when: violation.category == category.spam
    penalty: warn
    message: '"Please stop posting spam."'
    ground: {kind: contractual, reference: Terms of service}
`
	head := "name: demo\nversion: 1.0.0\nappeal: {route: Settings > Appeals}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\n"
	v := loadValidator(t)
	for name, src := range map[string]string{
		"guard enabled not a bool":     head + "guards: {due_process: {enabled: maybe}}\nrules:" + rule,
		"rules a mapping":              head + "rules: {id: spam-warn}\n",
		"cost budget a fraction":       head + "settings: {cost_budget: 1.5}\nrules:" + rule,
		"blast radius zero":            head + "settings: {blast_radius: 0}\nrules:" + rule,
		"keywords not a list":          "name: demo\nversion: 1.0.0\nappeal: {route: Settings > Appeals}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, dsa_keywords: KEYWORD_PHISHING}\nrules:" + rule,
		"appeal a list":                "name: demo\nversion: 1.0.0\nappeal: [Settings]\nguards: {due_process: {enabled: false}}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\nrules:" + rule,
		"version a list":               "name: demo\nversion: [1, 0]\nappeal: {route: Settings > Appeals}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\nrules:" + rule,
		"step not a mapping":           head + "ladders: [{name: repeat, window: 30d, steps: [warn]}]\nrules:" + rule,
		"unknown ground key":           head + "rules:" + strings.Replace(rule, "reference: Terms of service}", "reference: Terms of service, url: x}", 1),
		"unknown guard":                head + "guards: {fairness: {enabled: true}}\nrules:" + rule,
		"unknown guard option":         head + "guards: {due_process: {enabled: true, penalty: warn}}\nrules:" + rule,
		"ladder window not a duration": head + "ladders: [{name: repeat, window: a year, steps: [{penalty: warn}]}]\nrules:" + rule,
		"category name in capitals":    "name: demo\nversion: 1.0.0\nappeal: {route: Settings > Appeals}\ncategories:\n  - {name: Spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\nrules:" + strings.Replace(rule, "violation.category == category.spam", `"true"`, 1),
		"ground kind":                  head + "rules:" + strings.Replace(rule, "kind: contractual", "kind: moral", 1),
		"guard penalty permanent":      head + "guards: {proportionality: {penalty: ban}}\nrules:" + rule,
		"step penalty none":            head + "ladders: [{name: repeat, window: 30d, steps: [{penalty: none}]}]\nrules:" + rule,
	} {
		t.Run(name, func(t *testing.T) {
			list := loaderErrors(t, "policy.yaml", []byte(src))
			require.NotEmpty(t, list, "the loader accepts:\n%s", src)
			for _, e := range list {
				require.Contains(t, []policy.Code{policy.CodeUnknownKey, policy.CodeInvalidValue}, e.Code, "%v", e)
			}
			got := v.validate(parseYAML(t, []byte(src)))
			assert.Equal(t, loaderPositions(list), schemaPositions(got), "loader:\n%v\nschema:\n%v", list, got)
		})
	}
}

// wantRE reads the keys an unknown-key error says are allowed.
var wantRE = regexp.MustCompile(`^unknown key "zz_unknown" in .* \(want one of: (.*)\)$`)

// Every mapping of the policy language has the same keys in the schema as
// in the loader: a key unknown to one is unknown to the other, and the
// keys each allows instead are the same. It is checked by adding an
// unknown key to each mapping of every valid policy in turn.
func TestSchemaKeysMatchTheLoader(t *testing.T) {
	v := loadValidator(t)
	checked := map[string]bool{}
	for name, src := range policyFiles(t) {
		doc := parseYAML(t, src)
		var mappings []*yaml.Node
		var collect func(n *yaml.Node)
		collect = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				mappings = append(mappings, n)
			}
			for _, c := range n.Content {
				collect(c)
			}
		}
		collect(doc)
		for _, m := range mappings {
			key := &yaml.Node{Kind: yaml.ScalarNode, Value: "zz_unknown"}
			m.Content = append(m.Content, key, &yaml.Node{Kind: yaml.ScalarNode, Value: "1"})
			mutated, err := yaml.Marshal(doc)
			require.NoError(t, err)
			m.Content = m.Content[:len(m.Content)-2]

			var loaderWant []string
			at := ""
			for _, e := range loaderErrors(t, name, mutated) {
				if w := wantRE.FindStringSubmatch(e.Message); w != nil {
					loaderWant = strings.Split(w[1], ", ")
					at = fmt.Sprintf("%d:%d", e.Line, e.Column)
				}
			}
			require.NotEmpty(t, at, "%s: the loader does not report zz_unknown in:\n%s", name, mutated)
			var schemaWant []string
			var where string
			for _, viol := range v.validate(parseYAML(t, mutated)) {
				if strings.HasSuffix(viol.path, "zz_unknown") {
					schemaWant, where = viol.allowed, fmt.Sprintf("%d:%d", viol.line, viol.col)
				}
			}
			require.NotEmpty(t, where, "%s: the schema allows zz_unknown in:\n%s", name, mutated)
			assert.Equal(t, at, where)
			assert.Equal(t, loaderWant, schemaWant, "%s: the keys at %s", name, at)
			checked[strings.Join(loaderWant, ",")] = true
		}
	}
	// policy, settings, appeal, guards, two kinds of guard, category,
	// variable, ladder, step, rule, ground.
	assert.Len(t, checked, 12, "not every kind of mapping was checked: %v", checked)
}

// The closed lists of the schema hold exactly the values the loader
// accepts there: every penalty, target and ground kind is tried in each
// place, with a misspelt one.
func TestSchemaEnumsMatchTheLoader(t *testing.T) {
	v := loadValidator(t)
	base := string(policy.DefaultSource())
	var penalties []string
	for p := policy.PenaltyNone; p <= policy.PenaltyClose; p++ {
		penalties = append(penalties, p.String())
	}
	for _, tc := range []struct {
		old    string // a unique line of the default policy
		format string // its replacement, with %s for the value
		values []string
	}{
		{"    penalty: suspend # what a disproportionate ban or closure becomes", "    penalty: %s", append(penalties, "suspended")},
		{"    penalty: restrict # the provisional measure for a group under review", "    penalty: %s", append(penalties, "restricted")},
		{"      - penalty: ban\n  # Repeat offences in a group", "      - penalty: %s\n  # Repeat offences in a group", append(penalties, "banned")},
		{"    target: group\n    when: violation.zero_tolerance\n", "    target: %s\n    when: violation.zero_tolerance\n", []string{"account", "group", "groups"}},
		{"      kind: illegal\n      reference: Criminal law on child sexual abuse material and on the sale of personal information\n\n  - id: focus-leader-ban",
			"      kind: %s\n      reference: Criminal law on child sexual abuse material and on the sale of personal information\n\n  - id: focus-leader-ban", []string{"illegal", "contractual", "criminal"}},
	} {
		require.Equal(t, 1, strings.Count(base, tc.old), "the default policy changed: %q", tc.old)
		for _, val := range tc.values {
			src := strings.Replace(base, tc.old, fmt.Sprintf(tc.format, val), 1)
			line := strings.Count(base[:strings.Index(base, tc.old)], "\n") + 1
			var loaderAt, schemaAt []string
			for _, e := range loaderErrors(t, "policy.yaml", []byte(src)) {
				// Durations, targets and the order of a ladder's steps are
				// the loader's alone to judge.
				if e.Line == line && e.Code != policy.CodeMissingDuration && e.Code != policy.CodeUnexpectedDuration && e.Code != policy.CodePenaltyTarget &&
					!strings.Contains(e.Message, "steps down") {
					loaderAt = append(loaderAt, string(e.Code))
				}
			}
			for _, viol := range v.validate(parseYAML(t, []byte(src))) {
				if viol.line == line {
					schemaAt = append(schemaAt, viol.msg)
				}
			}
			assert.Equal(t, len(loaderAt) > 0, len(schemaAt) > 0, "%q at line %d: the loader says %v, the schema %v", val, line, loaderAt, schemaAt)
		}
	}
}

// The DSA values of the schema are those of the Transparency Database
// that the loader checks against.
func TestSchemaDSAValues(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	require.NoError(t, err)
	var s struct {
		Defs struct {
			Category struct {
				Properties struct {
					DSACategory struct {
						Enum []string `json:"enum"`
					} `json:"dsa_category"`
					DSAKeywords struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"dsa_keywords"`
				} `json:"properties"`
			} `json:"category"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(data, &s))
	assert.Equal(t, dsa.Enums["STATEMENT_CATEGORIES"], s.Defs.Category.Properties.DSACategory.Enum)
	assert.Equal(t, dsa.Enums["KEYWORDS"], s.Defs.Category.Properties.DSAKeywords.Items.Enum)
}
