package main

import (
	"errors"
	"fmt"

	"github.com/groupwarden/warden/policy"
)

const checkUsage = `Usage: warden check [-json] [POLICY...]

Check compiles each policy file and prints every error of every file, one
a line, as file:line:col: code: message. When no file has an error it
prints a one-line summary. Without POLICY it checks the embedded default
policy; - reads a policy from standard input.

With -json it prints one JSON document instead:

	{"files": [{"file", "ok", "policy": {"name", "version", "digest"},
	   "categories", "rules",
	   "errors": [{"file", "line", "column", "code", "message"}]}],
	 "errors", "ok"}

where policy, categories and rules are there for a file without errors,
and a file that cannot be read has one error of code io, at line 0.

Exit status: 0 when no file has an error, 1 when one has, 2 when the
command line is wrong or a file cannot be read.
`

// codeIO is the code, in check -json, of a file that cannot be read.
const codeIO policy.Code = "io"

// checkReport is the result of warden check, and its -json output.
type checkReport struct {
	Files  []checkedFile `json:"files"`
	Errors int           `json:"errors"`
	OK     bool          `json:"ok"`
}

// checkedFile is one policy file checked: its summary, or its errors.
type checkedFile struct {
	File       string            `json:"file"`
	OK         bool              `json:"ok"`
	Policy     *policy.PolicyRef `json:"policy,omitempty"`
	Categories int               `json:"categories,omitempty"`
	Rules      int               `json:"rules,omitempty"`
	Errors     policy.ErrorList  `json:"errors,omitempty"`
	engine     *policy.Engine
}

func runCheck(e *env, args []string) int {
	f := newFlags("check", checkUsage)
	asJSON := f.Bool("json", false, "print the results as one JSON document")
	files, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	rep := &checkReport{Files: []checkedFile{}}
	ioFailed := false
	if len(files) == 0 {
		rep.Files = append(rep.Files, checked(policy.DefaultFile, policy.Default()))
	}
	for _, file := range files {
		name, src, err := readInput(file, e.stdin)
		if err != nil {
			ioFailed = true
			rep.Files = append(rep.Files, checkedFile{File: name, Errors: policy.ErrorList{{File: name, Code: codeIO, Message: unwrapPath(err).Error()}}})
			continue
		}
		engine, err := policy.Compile(name, src)
		var list policy.ErrorList
		switch {
		case errors.As(err, &list):
			rep.Files = append(rep.Files, checkedFile{File: name, Errors: list})
		case err != nil:
			rep.Files = append(rep.Files, checkedFile{File: name, Errors: policy.ErrorList{{File: name, Message: err.Error()}}})
		default:
			rep.Files = append(rep.Files, checked(name, engine))
		}
	}
	nbad := 0
	for _, c := range rep.Files {
		rep.Errors += len(c.Errors)
		if !c.OK {
			nbad++
		}
	}
	rep.OK = nbad == 0
	status = exitOK
	switch {
	case ioFailed:
		status = exitUsage
	case nbad > 0:
		status = exitFail
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			fmt.Fprintf(e.stderr, "warden check: %v\n", err)
			return exitFail
		}
		return status
	}
	if nbad > 0 {
		for _, c := range rep.Files {
			for _, pe := range c.Errors {
				if pe.Code == codeIO || pe.Line == 0 {
					fmt.Fprintf(e.stdout, "%s: %s\n", pe.File, pe.Message)
					continue
				}
				fmt.Fprintln(e.stdout, pe)
			}
		}
		fmt.Fprintf(e.stderr, "warden check: %s in %d of %s\n", plural(rep.Errors, "error"), nbad, plural(len(rep.Files), "file"))
		return status
	}
	if len(rep.Files) == 1 {
		fmt.Fprintf(e.stdout, "%s: ok: %s\n", rep.Files[0].File, describe(rep.Files[0].engine))
		return status
	}
	rules := 0
	for _, c := range rep.Files {
		rules += c.Rules
	}
	fmt.Fprintf(e.stdout, "ok: %s, %s, no errors\n", plural(len(rep.Files), "policy file"), plural(rules, "rule"))
	return status
}

// checked is the summary of a policy that compiles.
func checked(file string, e *policy.Engine) checkedFile {
	ref := e.Policy()
	return checkedFile{File: file, OK: true, Policy: &ref, Categories: len(e.Categories()), Rules: len(e.Rules()), engine: e}
}

// describe sums up a compiled policy on one line.
func describe(e *policy.Engine) string {
	ref := e.Policy()
	return fmt.Sprintf("policy %s %s, %s, %s, sha256 %s", ref.Name, ref.Version,
		plural(len(e.Categories()), "category"), plural(len(e.Rules()), "rule"), ref.Digest[:12])
}

// plural writes a count and a noun, in the plural unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case noun[len(noun)-1] == 'y':
		noun = noun[:len(noun)-1] + "ies"
	case noun[len(noun)-1] == 's':
		noun += "es"
	default:
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}
