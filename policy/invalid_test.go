package policy_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// The broken-policy corpus: each file under invalidCorpusDir is a small
// policy with a deliberate problem (a few have several). The comment block
// that opens the file lists the errors Compile must report, in its order
// (by line, then column), one per line, with its message when the file
// is about the wording:
//
//	# want: 12:7: unknown-category
//	# want: 12:7: unknown-category: unknown category "spma": ... (did you mean spam?)
const invalidCorpusDir = "../testdata/policies/invalid"

// unreachableCodes are the codes that no policy file can produce, with the
// reason. Every code is reachable today, so the corpus must cover them all.
var unreachableCodes = map[policy.Code]string{}

type corpusFile struct {
	name string // the file's base name
	path string // the path given to Compile, relative to the package
	src  []byte
	want []string // "line:col: code"
}

func readInvalidCorpus(t *testing.T) []corpusFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(invalidCorpusDir, "*.yaml"))
	require.NoError(t, err)
	files := make([]corpusFile, 0, len(paths))
	for _, path := range paths {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		files = append(files, corpusFile{name: filepath.Base(path), path: path, src: src, want: wantLines(src)})
	}
	return files
}

// wantLines returns the expectations of the comment block that opens src.
func wantLines(src []byte) []string {
	var want []string
	for line := range strings.Lines(string(src)) {
		if !strings.HasPrefix(line, "#") {
			break
		}
		if w, ok := strings.CutPrefix(line, "# want:"); ok {
			want = append(want, strings.TrimSpace(w))
		}
	}
	return want
}

// wantRE is the form of an expectation; renderedRE the form of a rendered
// error, on a single line.
var (
	wantRE     = regexp.MustCompile(`^(\d+):(\d+): ([a-z-]+)(?:: (\S.*))?$`)
	renderedRE = regexp.MustCompile(`^(.+):(\d+):(\d+): ([a-z-]+): (\S.*)$`)
)

func TestInvalidPolicies(t *testing.T) {
	files := readInvalidCorpus(t)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(f.name, ".yaml"), func(t *testing.T) {
			require.NotEmpty(t, f.want, "the file opens with no # want: line")
			for _, w := range f.want {
				m := wantRE.FindStringSubmatch(w)
				require.NotNil(t, m, "malformed expectation %q", w)
				require.Contains(t, policy.Codes(), policy.Code(m[3]), "expectation %q names no code", w)
			}

			engine, err := policy.Compile(f.path, f.src)
			require.Error(t, err)
			assert.Nil(t, engine, "an engine returned with an error")

			var list policy.ErrorList
			require.True(t, errors.As(err, &list), "errors.As finds no ErrorList in %T", err)
			require.NotEmpty(t, list)
			var first *policy.Error
			require.True(t, errors.As(err, &first), "errors.As finds no *Error")
			assert.Same(t, list[0], first, "errors.As finds the first problem")

			lines := strings.Split(string(f.src), "\n")
			got := make([]string, len(list))
			for i, e := range list {
				got[i] = fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Code)
				if i < len(f.want) && wantRE.FindStringSubmatch(f.want[i])[4] != "" {
					got[i] += ": " + e.Message // the expectation states the wording
				}
				assert.Equal(t, f.path, e.File)
				assert.NotEmpty(t, e.Message, got[i])
				if assert.True(t, e.Line >= 1 && e.Line <= len(lines), "%s: line outside the file", got[i]) {
					assert.True(t, e.Column >= 1 && e.Column <= utf8.RuneCountInString(lines[e.Line-1])+1,
						"%s: column outside line %q", got[i], lines[e.Line-1])
				}
				m := renderedRE.FindStringSubmatch(e.Error())
				if assert.NotNil(t, m, "%q is not file:line:col: code: message", e.Error()) {
					assert.Equal(t, []string{f.path, strconv.Itoa(e.Line), strconv.Itoa(e.Column), string(e.Code), e.Message}, m[1:])
				}
			}
			assert.Equal(t, f.want, got, "errors, as reported:\n%v", err)
			assert.Equal(t, len(list), strings.Count(err.Error(), "\n")+1, "one line per error")
		})
	}
}

func TestInvalidCorpusCoversEveryCode(t *testing.T) {
	files := readInvalidCorpus(t)
	assert.GreaterOrEqual(t, len(files), 30, "the corpus has too few files")

	// policy.Codes must list every Code constant internal/vocab/code.go declares.
	declared := declaredCodes(t)
	slices.Sort(declared)
	listed := policy.Codes()
	slices.Sort(listed)
	require.Equal(t, declared, listed, "policy.Codes is out of date with internal/vocab/code.go")

	covered := map[policy.Code][]string{}
	for _, f := range files {
		for _, w := range f.want {
			if m := wantRE.FindStringSubmatch(w); m != nil {
				covered[policy.Code(m[3])] = append(covered[policy.Code(m[3])], f.name)
			}
		}
	}
	for _, code := range policy.Codes() {
		t.Run(string(code), func(t *testing.T) {
			if reason, ok := unreachableCodes[code]; ok {
				assert.Empty(t, covered[code], "a code documented as unreachable (%s) is expected", reason)
				return
			}
			assert.NotEmpty(t, covered[code], "no corpus file expects %s", code)
		})
	}
}

// declaredCodes reads the values of the Code constants declared in internal/vocab/code.go.
func declaredCodes(t *testing.T) []policy.Code {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "../internal/vocab/code.go", nil, 0)
	require.NoError(t, err)
	var codes []policy.Code
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				require.True(t, ok && lit.Kind == token.STRING, "a Code constant that is not a string literal")
				s, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				codes = append(codes, policy.Code(s))
			}
		}
	}
	return codes
}

// A policy with several independent problems, met by the parser and by
// the compiler, in variables, ladders and rules, reports all of them at
// once, sorted by position.
func TestCompileReportsEveryProblemAtOnce(t *testing.T) {
	src := `name: several
version: 1.0.0
appeal: {route: "Settings > Appeal", window: 30d}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, dsa_keywords: [KEYWORD_SPAM]}
variables:
  - {name: loud, expression: "variables.louder"}
  - {name: louder, expression: "violation.reports > 10"}
ladders:
  - {name: repeat, window: 365d, steps: [{penalty: warn}, {penalty: ban}]}
rules:
  - id: a
    target: group
    when: violation.category == category.spma
    ladder: repeat
    message: '"a"'
    ground: {kind: contractual, reference: Terms}
  - id: a
    target: account
    when: violation.reports
    penalty: suspend
    message: violation.id + 1
    ground: {kind: moral, reference: Terms}
  - id: c
    target: everyone
    when: "true"
    penalty: penalty.bann
    message: '"c"'
`
	_, err := policy.Compile("several.yaml", []byte(src))
	require.Error(t, err)
	var list policy.ErrorList
	require.True(t, errors.As(err, &list))
	got := make([]string, len(list))
	for i, e := range list {
		got[i] = fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Code)
	}
	assert.Equal(t, []string{
		"3:46: invalid-value",     // appeal window under 183d
		"5:86: unknown-dsa",       // KEYWORD_SPAM
		"7:31: variable-forward",  // loud uses louder, declared after it
		"14:33: unknown-category", // category.spma
		"15:13: penalty-target",   // a group rule on a ladder with a ban
		"18:5: missing-duration",  // suspend without a duration
		"18:9: duplicate-id",      // the second rule a
		"20:11: when-not-bool",    // an int condition
		"22:27: cel-type",         // string + int
		"23:20: invalid-value",    // ground kind moral
		"24:5: missing-field",     // rule c has no ground
		"25:13: unknown-target",   // everyone
		"27:14: unknown-penalty",  // penalty.bann
	}, got, "errors, as reported:\n%v", err)
}
