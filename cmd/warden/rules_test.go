package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// The rule reference, RULES.md, checked so that it cannot drift from the
// code: each of its fenced blocks has an info string that says how it is
// checked, and a block whose info string no test knows is an error.
//
//	```yaml policy     a whole policy, which compiles; the first is the
//	                   starting policy the fragments are merged into
//	```yaml fragment   keys merged into the starting policy: lists are
//	                   appended to, other keys replaced; the result compiles
//	```cel when        one condition a line, each compiling as the when of
//	                   an account rule of the starting policy
//	```yaml fixture    fixture cases (package policytest), which pass
//	                   against the starting policy
//	```yaml broken     a whole policy.yaml that does not compile, followed
//	```text            by a block of exactly the errors it gives
//	```sh warden       warden commands, one a line, run from the root of
//	                   the repository; each must succeed
//	```yaml groupcase  a group case as warden eval reads it, which plans
//	                   under the starting policy
//	```json groupcase  the same group case as a line of a JSON lines
//	                   file, as warden campaign reads it: one line, equal
//	                   to the YAML group case before it
const rulesFile = "../../RULES.md"

type mdBlock struct {
	info string
	text string
	line int // of the opening fence
}

func (b mdBlock) String() string { return fmt.Sprintf("RULES.md:%d", b.line) }

func readRules(t *testing.T) (string, []mdBlock) {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	require.NoError(t, err)
	var blocks []mdBlock
	var cur *mdBlock
	for i, line := range strings.Split(string(data), "\n") {
		fence, isFence := strings.CutPrefix(line, "```")
		switch {
		case isFence && cur == nil:
			cur = &mdBlock{info: strings.TrimSpace(fence), line: i + 1}
		case isFence:
			require.Empty(t, strings.TrimSpace(fence), "RULES.md:%d: a fence with an info string inside a block", i+1)
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	require.Nil(t, cur, "RULES.md ends inside a fenced block")
	return string(data), blocks
}

// starting returns the starting policy: the first whole policy.
func starting(t *testing.T, blocks []mdBlock) string {
	t.Helper()
	i := slices.IndexFunc(blocks, func(b mdBlock) bool { return b.info == "yaml policy" })
	require.GreaterOrEqual(t, i, 0, "RULES.md has no whole policy")
	return blocks[i].text
}

// merge merges a fragment into a policy: the lists it gives are appended
// to the policy's, its other keys replace the policy's.
func merge(t *testing.T, base, fragment string) []byte {
	t.Helper()
	var doc, frag yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(base), &doc))
	require.NoError(t, yaml.Unmarshal([]byte(fragment), &frag))
	root, add := doc.Content[0], frag.Content[0]
	require.Equal(t, yaml.MappingNode, add.Kind, "a fragment is a mapping of top-level keys")
	for i := 0; i+1 < len(add.Content); i += 2 {
		k, v := add.Content[i], add.Content[i+1]
		j := slices.IndexFunc(root.Content, func(n *yaml.Node) bool { return n.Value == k.Value })
		switch {
		case j < 0 || j%2 == 1:
			root.Content = append(root.Content, k, v)
		case v.Kind == yaml.SequenceNode && root.Content[j+1].Kind == yaml.SequenceNode:
			root.Content[j+1].Content = append(root.Content[j+1].Content, v.Content...)
		default:
			root.Content[j+1] = v
		}
	}
	out, err := yaml.Marshal(&doc)
	require.NoError(t, err)
	return out
}

func compiles(t *testing.T, src []byte) {
	t.Helper()
	_, err := policy.Compile("policy.yaml", src)
	require.NoError(t, err, "in:\n%s", src)
}

// conditionFragment is a rule whose condition is cond.
func conditionFragment(t *testing.T, cond string) string {
	t.Helper()
	out, err := yaml.Marshal(map[string]any{"rules": []any{map[string]any{
		"id": "cel-example", "target": "account", "when": cond, "penalty": "warn",
		"message": `"example"`, "ground": map[string]string{"kind": "contractual", "reference": "Terms"},
	}}})
	require.NoError(t, err)
	return string(out)
}

func TestRulesExamples(t *testing.T) {
	_, blocks := readRules(t)
	base := starting(t, blocks)
	root, err := os.Getwd()
	require.NoError(t, err)
	kinds := map[string]int{}
	for i, b := range blocks {
		kinds[b.info]++
		t.Run(b.String(), func(t *testing.T) {
			switch b.info {
			case "yaml policy":
				compiles(t, []byte(b.text))
			case "yaml fragment":
				compiles(t, merge(t, base, b.text))
			case "cel when":
				for line := range strings.Lines(b.text) {
					if line = strings.TrimSpace(line); line != "" {
						compiles(t, merge(t, base, conditionFragment(t, line)))
					}
				}
			case "yaml fixture":
				fx, err := policytest.Parse(b.String(), []byte(b.text))
				require.NoError(t, err)
				require.Empty(t, fx.Policy, "the fixture runs against the starting policy")
				engine, err := policy.Compile("policy.yaml", []byte(base))
				require.NoError(t, err)
				for _, c := range fx.Cases {
					assert.Empty(t, c.Check(t.Context(), engine), c.Name)
				}
			case "yaml broken":
				require.Less(t, i+1, len(blocks), "a broken policy without its errors")
				want := blocks[i+1]
				require.Equal(t, "text", want.info, "%s: a broken policy is followed by a text block of its errors", want)
				_, err := policy.Compile("policy.yaml", []byte(b.text))
				var list policy.ErrorList
				require.True(t, errors.As(err, &list), "the broken policy compiles")
				assert.Equal(t, want.text, list.Error()+"\n")
			case "text":
				require.Positive(t, i, "a text block follows a broken policy")
				require.Equal(t, "yaml broken", blocks[i-1].info, "a text block follows a broken policy")
			case "yaml groupcase":
				doc, err := parseDocument(b.String(), []byte(b.text))
				require.NoError(t, err)
				var gc enforcement.GroupCase
				require.NoError(t, doc.decode(&gc))
				engine, err := policy.Compile("policy.yaml", []byte(base))
				require.NoError(t, err)
				plan, err := enforcement.NewPlanner(engine).Plan(t.Context(), gc)
				require.NoError(t, err)
				assert.Len(t, plan.Members, len(gc.Members))
			case "json groupcase":
				require.Equal(t, 1, strings.Count(b.text, "\n"), "a line of a JSON lines file")
				gc, err := decodeLine(b.String(), 1, []byte(strings.TrimSpace(b.text)))
				require.NoError(t, err)
				var prev *mdBlock
				for k := i - 1; k >= 0; k-- {
					if blocks[k].info == "yaml groupcase" {
						prev = &blocks[k]
						break
					}
				}
				require.NotNil(t, prev, "a JSON group case follows its YAML form")
				doc, err := parseDocument(prev.String(), []byte(prev.text))
				require.NoError(t, err)
				var want enforcement.GroupCase
				require.NoError(t, doc.decode(&want))
				assert.Equal(t, want, gc, "the JSON line is not the YAML group case before it")
			case "sh warden":
				t.Chdir("../..")
				for line := range strings.Lines(b.text) {
					args := strings.Fields(line)
					if len(args) == 0 {
						continue
					}
					require.Equal(t, "warden", args[0])
					var stdout, stderr bytes.Buffer
					assert.Equal(t, exitOK, run(args[1:], nil, &stdout, &stderr), "%s\n%s", line, stderr.String())
					assert.NotEmpty(t, stdout.String(), line)
				}
				t.Chdir(root)
			default:
				t.Errorf("a fenced block with the info string %q, which no test checks", b.info)
			}
		})
	}
	for _, k := range []string{"yaml policy", "yaml fragment", "cel when", "yaml fixture", "yaml broken", "sh warden", "yaml groupcase", "json groupcase"} {
		assert.Positive(t, kinds[k], "no %s block", k)
	}
}

// examples returns the text of every checked example of a kind.
func examples(blocks []mdBlock, infos ...string) string {
	var b strings.Builder
	for _, blk := range blocks {
		if slices.Contains(infos, blk.info) {
			b.WriteString(blk.text)
		}
	}
	return b.String()
}

// Every error code has its own section, with a broken policy that gives it.
func TestRulesCoverEveryErrorCode(t *testing.T) {
	text, blocks := readRules(t)
	outputs := examples(blocks, "text")
	for _, c := range policy.Codes() {
		code := string(c)
		assert.True(t, strings.Contains(text, "\n### `"+code+"`\n"), "no section for %s", code)
		assert.True(t, strings.Contains(text, "| [`"+code+"`](#"+code+") |"), "%s is not in the table of codes", code)
		assert.True(t, strings.Contains(outputs, ": "+code+": "), "no broken policy gives %s", code)
	}
}

// Every name the policy package doc says CEL expressions see is in the
// reference's tables and in a checked example; so is every constant and
// function.
func TestRulesCoverWhatCELSees(t *testing.T) {
	text, blocks := readRules(t)
	checked := examples(blocks, "cel when", "yaml policy", "yaml fragment")
	names := celNames(t)
	require.Contains(t, names, "violation.zero_tolerance")
	require.Contains(t, names, "now")
	for _, n := range names {
		assert.True(t, strings.Contains(text, "| `"+n+"` |"), "%s is in no table of RULES.md", n)
		re := regexp.MustCompile(`(^|[^a-z_.])` + regexp.QuoteMeta(n) + `($|[^a-z_])`)
		assert.True(t, re.MatchString(checked), "no checked example uses %s", n)
	}
	var constants []string
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		constants = append(constants, "severity."+s.String())
	}
	for p := policy.PenaltyNone; p <= policy.PenaltyClose; p++ {
		constants = append(constants, "penalty."+p.String())
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		constants = append(constants, "role."+r.String())
	}
	constants = append(constants, "category.", "variables.", "verified(", "strikes(")
	for _, c := range constants {
		assert.True(t, strings.Contains(checked, c), "no checked example uses %s", c)
	}
}

// celNames reads the names of the section "What CEL expressions see" of
// the policy package doc, up to its constants.
func celNames(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../../policy/doc.go")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(src), "# What CEL expressions see")
	require.True(t, ok, "policy/doc.go has no section on what CEL expressions see")
	section, _, ok = strings.Cut(section, "// Constants:")
	require.True(t, ok, "the section lists no constants")
	re := regexp.MustCompile(`\b(?:violation(?:\.[a-z_]+)?|(?:subject|group)\.[a-z_]+|now)\b`)
	var names []string
	for _, n := range re.FindAllString(section, -1) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// Every key of the language, as the JSON Schema lists them (and the schema
// test holds the schema to the loader), appears in a checked example; so
// do every penalty, target, guard and ground kind.
func TestRulesCoverTheLanguage(t *testing.T) {
	_, blocks := readRules(t)
	checked := examples(blocks, "yaml policy", "yaml fragment")
	data, err := os.ReadFile("../../schema/policy.schema.json")
	require.NoError(t, err)
	var s any
	require.NoError(t, json.Unmarshal(data, &s))
	keys := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					keys[k] = true
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(s)
	require.Greater(t, len(keys), 30)
	for k := range keys {
		re := regexp.MustCompile(`(^|[\s{,])` + k + `:\s`)
		assert.True(t, re.MatchString(checked), "no checked example uses the key %s", k)
	}
	for _, want := range []string{
		"target: account", "target: group", "kind: illegal", "kind: contractual",
		"penalty: warn", "penalty: restrict", "penalty: suspend", "penalty: ban", "penalty: close", "penalty.none",
		"double_judgment:", "no_collective_punishment:", "proportionality:", "due_process:",
		"cost_budget:", "blast_radius:",
	} {
		assert.True(t, strings.Contains(checked, want), "no checked example has %q", want)
	}
}

// Every field of a case, a group case and a fixture file, as their YAML
// keys, is named in RULES.md.
func TestRulesCoverCaseFields(t *testing.T) {
	text, _ := readRules(t)
	keys := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt == reflect.TypeFor[time.Time]() {
			return
		}
		for f := range rt.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" || keys[name] {
				continue
			}
			keys[name] = true
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[policytest.File]())
	walk(reflect.TypeFor[enforcement.GroupCase]())
	require.Greater(t, len(keys), 40)
	for k := range keys {
		assert.True(t, strings.Contains(text, "`"+k+"`"), "RULES.md does not name the case field %s", k)
	}
}

// The table of guard spellings gives, for every guard, its key in a
// policy (a key of guards in the schema), its name in a guard note (the
// same), notes a fixture can expect, each of which parses, and the former
// spelling, which parses as the guard too.
func TestRulesGuardSpellings(t *testing.T) {
	text, _ := readRules(t)
	data, err := os.ReadFile("../../schema/policy.schema.json")
	require.NoError(t, err)
	for g := policy.GuardDoubleJudgment; g <= policy.GuardDueProcess; g++ {
		key := g.String()
		assert.Contains(t, string(data), `"`+key+`"`, "the schema has no guard %s", key)
		prefix := "| `" + key + "` | `" + g.String() + "` | "
		i := strings.Index(text, prefix)
		require.GreaterOrEqual(t, i, 0, "RULES.md has no row %q", prefix)
		row, _, _ := strings.Cut(text[i+len(prefix):], "\n")
		notes := regexp.MustCompile("`([a-z_]+):([a-z]+)`").FindAllStringSubmatch(row, -1)
		require.NotEmpty(t, notes, row)
		for _, n := range notes {
			var got policy.Guard
			require.NoError(t, got.UnmarshalText([]byte(n[1])))
			assert.Equal(t, g, got)
			var a policy.Intervention
			assert.NoError(t, a.UnmarshalText([]byte(n[2])), n[0])
		}
		assert.Contains(t, row, g.String()+":disabled", "every guard can be off")
		if former := strings.ReplaceAll(key, "_", "-"); former != key {
			assert.True(t, strings.HasSuffix(row, "| `"+former+"` |"), "row %q gives no former spelling %s", row, former)
			var got policy.Guard
			require.NoError(t, got.UnmarshalText([]byte(former)))
			assert.Equal(t, g, got)
			assert.Equal(t, key, got.String(), "the former spelling is read, never written")
		}
	}
}
