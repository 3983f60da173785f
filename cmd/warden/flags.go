package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flags is a command's flag set and its usage text.
type flags struct {
	*flag.FlagSet
	usage string
}

func newFlags(name, usage string) *flags {
	fs := flag.NewFlagSet("warden "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, usage: usage}
}

// policyFlag adds the -policy flag every deciding command has.
func (f *flags) policyFlag() *string {
	return f.String("policy", "", "the policy `FILE` to decide with (default: the embedded default policy)")
}

// printUsage writes the usage text and the flags.
func (f *flags) printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(f.usage)
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\nFlags:\n")
		f.SetOutput(&b)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	io.WriteString(w, b.String())
}

// parse parses args, with flags allowed anywhere among the arguments, and
// returns the other arguments. When the command must stop (help was asked
// for, or the command line is wrong) ok is false and status is the exit
// status.
func (f *flags) parse(e *env, args []string) (rest []string, status int, ok bool) {
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printUsage(e.stdout)
				return nil, exitOK, false
			}
			return nil, f.fail(e, "%v", err), false
		}
		after := f.Args()
		if len(after) == 0 {
			return rest, 0, true
		}
		if i := len(args) - len(after); i > 0 && args[i-1] == "--" {
			return append(rest, after...), 0, true
		}
		rest = append(rest, after[0])
		args = after[1:]
	}
}

// fail reports a wrong command line with the usage text and returns exitUsage.
func (f *flags) fail(e *env, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s\n\n", f.Name(), fmt.Sprintf(format, args...))
	f.printUsage(e.stderr)
	return exitUsage
}
