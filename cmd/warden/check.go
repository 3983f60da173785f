package main

import (
	"errors"
	"fmt"

	"github.com/groupwarden/warden/policy"
)

const checkUsage = `Usage: warden check [POLICY...]

Check compiles each policy file and prints every error of every file, one
a line, as file:line:col: code: message. It exits with status 1 when any
file has an error, and otherwise prints a one-line summary and exits with
status 0. Without POLICY it checks the embedded default policy; - reads a
policy from standard input.
`

func runCheck(e *env, args []string) int {
	f := newFlags("check", checkUsage)
	files, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	type checked struct {
		file   string
		engine *policy.Engine
	}
	var good []checked
	nerr, nbad := 0, 0
	if len(files) == 0 {
		good = append(good, checked{policy.DefaultFile, policy.Default()})
	}
	for _, file := range files {
		name, src, err := readInput(file, e.stdin)
		if err != nil {
			fmt.Fprintf(e.stdout, "%s: %v\n", name, unwrapPath(err))
			nerr++
			nbad++
			continue
		}
		engine, err := policy.Compile(name, src)
		var list policy.ErrorList
		switch {
		case errors.As(err, &list):
			for _, pe := range list {
				fmt.Fprintln(e.stdout, pe)
			}
			nerr += len(list)
			nbad++
		case err != nil:
			fmt.Fprintf(e.stdout, "%s: %v\n", name, err)
			nerr++
			nbad++
		default:
			good = append(good, checked{name, engine})
		}
	}
	if nbad > 0 {
		fmt.Fprintf(e.stderr, "warden check: %s in %d of %s\n", plural(nerr, "error"), nbad, plural(nbad+len(good), "file"))
		return exitFail
	}
	if len(good) == 1 {
		fmt.Fprintf(e.stdout, "%s: ok: %s\n", good[0].file, describe(good[0].engine))
		return exitOK
	}
	rules := 0
	for _, c := range good {
		rules += len(c.engine.Rules())
	}
	fmt.Fprintf(e.stdout, "ok: %s, %s, no errors\n", plural(len(good), "policy file"), plural(rules, "rule"))
	return exitOK
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
