package main

import (
	"bufio"
	"encoding/json"
	"os"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// outputFile is a file a campaign writes as it goes. It keeps the first
// error, so that the campaign can stop and report it.
type outputFile struct {
	f   *os.File
	w   *bufio.Writer
	err error
}

func createOutput(path string) (*outputFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &outputFile{f: f, w: bufio.NewWriter(f)}, nil
}

func (o *outputFile) write(b []byte) error {
	if o.err == nil {
		_, o.err = o.w.Write(b)
	}
	return o.err
}

// close flushes and closes the file; it is safe to call twice.
func (o *outputFile) close() error {
	if o.f == nil {
		return o.err
	}
	if err := o.w.Flush(); err != nil && o.err == nil {
		o.err = err
	}
	if err := o.f.Close(); err != nil && o.err == nil {
		o.err = err
	}
	o.f = nil
	return o.err
}

// planWriter writes plans as JSON lines, one plan a line.
type planWriter struct{ *outputFile }

func (pw planWriter) add(p *enforcement.Plan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return pw.write(append(b, '\n'))
}

// statementWriter writes the statements of reasons of every plan as a
// platform submits them: JSON lines, each a batch request body of at most
// dsa.MaxBatch statements, puids unique across the file.
type statementWriter struct {
	*outputFile
	engine *policy.Engine
	lines  *dsa.Writer
}

func newStatementWriter(o *outputFile, engine *policy.Engine) *statementWriter {
	return &statementWriter{outputFile: o, engine: engine, lines: dsa.NewWriter(o)}
}

// Write lets the dsa.Writer write to the file.
func (o *outputFile) Write(b []byte) (int, error) {
	if err := o.write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// statementError is a plan whose statements of reasons could not be built.
type statementError struct{ err error }

func (e *statementError) Error() string { return "-statements: " + e.err.Error() }

func (e *statementError) Unwrap() error { return e.err }

func (sw *statementWriter) add(p *enforcement.Plan) error {
	statements, err := dsa.FromPlan(p, sw.engine)
	if err != nil {
		return &statementError{err}
	}
	if err := sw.lines.Write(statements...); err != nil {
		if sw.outputFile.err != nil {
			return err
		}
		return &statementError{err}
	}
	return nil
}

// finish writes the last batch and closes the file.
func (sw *statementWriter) finish() error {
	if err := sw.lines.Close(); err != nil {
		return err
	}
	return sw.close()
}
