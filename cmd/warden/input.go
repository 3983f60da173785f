package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/groupwarden/warden/policy"
)

// stdinName names standard input in error positions.
const stdinName = "<stdin>"

// inputError is a problem in an input file, at a line and column when they
// are known (zero otherwise). It renders as file:line:col: message.
type inputError struct {
	file      string
	line, col int
	msg       string
	// io is set when the file could not be read at all.
	io bool
}

func (e *inputError) Error() string {
	switch {
	case e.line > 0 && e.col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
	case e.line > 0:
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return fmt.Sprintf("%s: %s", e.file, e.msg)
}

// maxInputBytes is the largest file a command reads whole (a case, a
// fixture file, a policy), beyond which it refuses the file before parsing
// it. A policy is refused beyond policy.MaxPolicyBytes already.
const maxInputBytes = 64 << 20

// readInput reads the file name, or standard input for "-", refusing one
// larger than maxInputBytes. It returns the name to report positions under.
func readInput(name string, stdin io.Reader) (string, []byte, error) {
	r := stdin
	if name == "-" {
		name = stdinName
	} else {
		f, err := os.Open(name)
		if err != nil {
			return name, nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err == nil && len(b) > maxInputBytes {
		return name, nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than %d MiB, the most a command reads (maxInputBytes)", maxInputBytes>>20)}
	}
	return name, b, err
}

// unwrapPath drops the operation and path from a file error, for a caller
// that names the file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// failStatus is the exit status of a command that stops at err: exitUsage
// when a file could not be read, exitFail otherwise.
func failStatus(err error) int {
	var ie *inputError
	var pe *fs.PathError
	if errors.As(err, &ie) && ie.io || errors.As(err, &pe) {
		return exitUsage
	}
	return exitFail
}

// writeJSON writes v as indented JSON, the -json output of a command.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// loadEngine compiles the policy file path, or returns the engine of the
// embedded default policy when path is empty.
func loadEngine(path string) (*policy.Engine, error) {
	if path == "" {
		return policy.Default(), nil
	}
	_, src, err := readInput(path, nil)
	if err != nil {
		return nil, &inputError{file: path, msg: unwrapPath(err).Error(), io: true}
	}
	return policy.Compile(path, src)
}
