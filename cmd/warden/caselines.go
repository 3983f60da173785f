package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/yamlpos"
)

// maxLine bounds the length of a line of a campaign's input.
const maxLine = 64 << 20

// caseLines streams the group cases of a JSON lines file. It keeps the
// lines of the cases handed on but not yet planned (a few, however long
// the file), so that an error about a case can name its line and field.
type caseLines struct {
	file string
	sc   *bufio.Scanner

	mu      sync.Mutex
	pending []caseLine // handed on, not yet planned, in order
	err     error      // the first line that is not a group case
}

type caseLine struct {
	n    int
	text []byte
}

func newCaseLines(file string, r io.Reader) *caseLines {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &caseLines{file: file, sc: sc}
}

// cases returns the iterator of the cases; it stops at the first line that
// is not a group case, which error then reports. It can be used once.
func (l *caseLines) cases() iter.Seq[enforcement.GroupCase] {
	return func(yield func(enforcement.GroupCase) bool) {
		n := 0
		for l.sc.Scan() {
			n++
			text := l.sc.Bytes()
			if len(bytes.TrimSpace(text)) == 0 {
				continue
			}
			gc, err := decodeLine(l.file, n, text)
			l.mu.Lock()
			if err != nil {
				l.err = err
			} else {
				l.pending = append(l.pending, caseLine{n, bytes.Clone(text)})
			}
			l.mu.Unlock()
			if err != nil || !yield(gc) {
				return
			}
		}
		if err := l.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("line longer than %d MiB", maxLine>>20)
			}
			l.mu.Lock()
			l.err = &inputError{file: l.file, line: n + 1, msg: err.Error()}
			l.mu.Unlock()
		}
	}
}

// done records that the oldest pending case was planned.
func (l *caseLines) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) > 0 {
		l.pending = l.pending[1:]
	}
}

// error returns the first line that was not a group case, if any.
func (l *caseLines) error() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// failed places the error the planner returned for the oldest pending case
// (the campaign stops at the first malformed case, in order) at its line
// and at the field it names.
func (l *caseLines) failed(err error) error {
	// The campaign's error names the case by its number; the line says more.
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		return &inputError{file: l.file, msg: err.Error()}
	}
	p := l.pending[0]
	doc, perr := parseLine(l.file, p.text)
	if perr != nil {
		return &inputError{file: l.file, line: p.n, msg: err.Error()}
	}
	doc.line = p.n - 1
	at := doc.caseError(err)
	if id := yamlpos.Child(doc.root, "group"); id != nil {
		if id = yamlpos.Child(id, "id"); id != nil && id.Kind == yaml.ScalarNode && id.Value != "" {
			at.msg = fmt.Sprintf("group %s: %s", id.Value, at.msg)
		}
	}
	return at
}

// decodeLine decodes one line as a group case, refusing unknown fields.
func decodeLine(file string, n int, text []byte) (enforcement.GroupCase, error) {
	var gc enforcement.GroupCase
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	err := dec.Decode(&gc)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return gc, &inputError{file: file, line: n, col: utf8.RuneCount(text[:dec.InputOffset()]) + 1, msg: "text after the group case"}
		}
		return gc, nil
	}
	return gc, lineError(file, n, text, err)
}

// parseLine parses one line of a JSON lines file as a document. A carriage
// return inside the line is blank to JSON but a line break to YAML, which
// would place what follows it on a later line of the file: it reads as a
// space, so every position stays on the line, at its column.
func parseLine(file string, text []byte) (*document, error) {
	return parseDocument(file, bytes.ReplaceAll(text, []byte{'\r'}, []byte{' '}))
}

// lineError places a JSON decoding error at its column and, when it is
// about a field, names the field.
func lineError(file string, n int, text []byte, err error) *inputError {
	col := func(offset int64) int { return utf8.RuneCount(text[:min(int(offset), len(text))]) }
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &inputError{file: file, line: n, col: max(col(se.Offset), 1), msg: err.Error()}
	}
	if doc, perr := parseLine(file, text); perr == nil {
		doc.line = n - 1
		if m := firstMisfit(doc.root, &enforcement.GroupCase{}); m != nil {
			return doc.errorAt(m.node, m.path+": "+m.msg)
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &inputError{file: file, line: n, col: col(te.Offset) + 1, msg: err.Error()}
	}
	return &inputError{file: file, line: n, msg: err.Error()}
}
