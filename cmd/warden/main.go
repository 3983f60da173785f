// Command warden serves rule authors: it checks policy files, runs fixture
// cases against a policy, decides and explains single cases, and runs
// campaigns over group cases, without writing Go.
//
//	warden check [-json] [POLICY...]
//	warden fmt [-l] [-d] [-w] [PATH...]
//	warden test [-policy FILE] [-run PATTERN] [-cover] [-cover-min N] [-json] CASES...
//	warden eval [-policy FILE] CASE
//	warden explain [-policy FILE] CASE
//	warden campaign [-policy FILE] [-json] [-html FILE] [-plans FILE] CASES.jsonl
//	warden shadow [-policy LIVE] -candidate NEW.yaml [-json] CASES.jsonl
//	warden verify [-policy FILE] [-properties FILE] [-o FIXTURES] [-against OLD.yaml] [-json]
//	warden play [-policy FILE] [-addr 127.0.0.1:8080] [FIXTURES...]
//	warden version [-json]
//
// Without -policy, the embedded default policy decides. Run warden -h, or
// warden COMMAND -h, for the details. Install it with
//
//	go install github.com/groupwarden/warden/cmd/warden@latest
//
// or, from a local checkout, with go install ./cmd/warden.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses, the same for every command.
const (
	exitOK    = 0 // the command did what was asked and found nothing wrong
	exitFail  = 1 // findings: a policy or input has errors, a case failed, a file is not formatted, a decision changes
	exitUsage = 2 // the command line is wrong, or a file cannot be read or written
)

// command is a subcommand: its name, a one-line summary and its entry point.
type command struct {
	name    string
	summary string
	run     func(env *env, args []string) int
}

var commands = []command{
	{"check", "check policy files and report every error", runCheck},
	{"fmt", "lay out policy and fixture files the canonical way", runFmt},
	{"test", "run fixture cases against a policy", runTest},
	{"eval", "decide a case and print the decision as JSON", runEval},
	{"explain", "decide a case and explain it rule by rule", runExplain},
	{"campaign", "plan a campaign over group cases and print its report", runCampaign},
	{"shadow", "run a candidate policy beside the live one and print what changes", runShadow},
	{"verify", "check a policy's properties over every cell of its case space", runVerify},
	{"play", "serve the playground: a policy editor and a case editor in the browser", runPlay},
	{"version", "print the module version and the policy language version", runVersion},
}

const usage = `warden is the rule author's tool for warden policies.

Usage:

	warden COMMAND [flags] [arguments]

Commands:
%s
The commands that decide (test, eval, explain, campaign and shadow) take
the policy from the flag -policy FILE, never from an argument, so that a
policy cannot be mistaken for a case; without the flag they use the
default policy embedded in warden. Every argument is an input file; - stands for standard
input. Flags may come before or after the arguments.

Exit status, for every command: 0 when all is well; 1 for findings (a
policy or an input has errors, a case fails, a file is not formatted, a
decision changes); 2 when the command line is wrong or a file cannot be
read or written. The commands that report take -json for one JSON
document, whose shape warden COMMAND -h shows.

Run warden COMMAND -h for the flags and arguments of a command.
`

// env is what a command reads from and writes to.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run runs the command line args (without the program name) and returns
// the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return run([]string{args[1], "-h"}, stdin, stdout, stderr)
		}
		printUsage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "warden: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	var list string
	for _, c := range commands {
		list += fmt.Sprintf("\t%-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, usage, list)
}
