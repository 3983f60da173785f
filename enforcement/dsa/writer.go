package dsa

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/groupwarden/warden/policy"
)

// Writer writes statements the way a platform submits them: JSON lines,
// each line one batch request body {"statements": [...]} of at most
// MaxBatch statements, every line valid as a Batch, and every puid unique
// across all the lines written. A statement whose puid was written before
// is dropped when it is the same statement (a plan planned twice gives the
// same statements) and refused when it differs. The Writer keeps a 32-byte
// digest per puid written, so its memory grows with the file.
type Writer struct {
	w       io.Writer
	pending []Statement
	seen    map[string][sha256.Size]byte
	written int
	dropped int
	buf     bytes.Buffer
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, seen: map[string][sha256.Size]byte{}}
}

// Write adds statements; every full batch is written at once. An invalid
// statement or a puid given to a different statement is refused as
// [policy.Problems] (paths statements[i] count the statements of this
// call), and nothing of the call is written.
func (w *Writer) Write(statements ...Statement) error {
	var problems policy.Problems
	digests := make([][sha256.Size]byte, len(statements))
	inCall := map[string]int{}
	for i := range statements {
		at := policy.IndexPath("statements", i)
		if err := statements[i].Validate(); err != nil {
			problems = append(problems, prefixed(at, err)...)
			continue
		}
		b, err := json.Marshal(&statements[i])
		if err != nil {
			return fmt.Errorf("dsa: %s: %w", at, err)
		}
		digests[i] = sha256.Sum256(b)
		puid := strings.TrimSpace(statements[i].PUID)
		if j, ok := inCall[puid]; ok && digests[j] != digests[i] {
			problems = append(problems, &policy.Problem{Path: policy.JoinPath(at, "puid"), Code: CodeDuplicatePUID,
				Message: fmt.Sprintf("repeats the puid of statements[%d] with a different statement", j)})
		} else if d, ok := w.seen[puid]; ok && d != digests[i] {
			problems = append(problems, &policy.Problem{Path: policy.JoinPath(at, "puid"), Code: CodeDuplicatePUID,
				Message: "repeats the puid of a different statement written before"})
		}
		inCall[puid] = i
	}
	if len(problems) > 0 {
		return problems
	}
	for i := range statements {
		puid := strings.TrimSpace(statements[i].PUID)
		if _, ok := w.seen[puid]; ok {
			w.dropped++
			continue
		}
		w.seen[puid] = digests[i]
		w.pending = append(w.pending, statements[i])
		if len(w.pending) == MaxBatch {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush writes the pending statements as one line.
func (w *Writer) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	b := Batch{Statements: w.pending}
	if err := b.Validate(); err != nil {
		return err // cannot happen: each statement and puid was checked
	}
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return err
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		return err
	}
	w.written += len(w.pending)
	w.pending = w.pending[:0]
	return nil
}

// Close writes the last, partial batch. It does not close the underlying
// writer.
func (w *Writer) Close() error { return w.flush() }

// Written counts the statements written so far.
func (w *Writer) Written() int { return w.written }

// Dropped counts the statements dropped as repeats of one written before.
func (w *Writer) Dropped() int { return w.dropped }

// ReadLines reads a file of JSON lines as a Writer writes it and returns
// its batches. Each line must be one JSON value, in UTF-8, that the
// database reads as a valid Batch (keys exactly as it spells them, no null
// where a key must be left out), and no puid may repeat across the file; a problem's path names the line, as lines[2].statements[0].puid
// (lines counted from 0).
func ReadLines(r io.Reader) ([]Batch, error) {
	var out []Batch
	seen := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for i := 0; sc.Scan(); i++ {
		at := policy.IndexPath("lines", i)
		if err := checkLine(sc.Bytes(), at); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var b Batch
		if err := dec.Decode(&b); err != nil {
			return nil, policy.Problems{{Path: at, Code: CodeNotAccepted, Message: err.Error()}}
		}
		if err := b.Validate(); err != nil {
			return nil, prefixed(at, err)
		}
		for j, s := range b.Statements {
			here := policy.JoinPath(policy.IndexPath(policy.JoinPath(at, "statements"), j), "puid")
			puid := strings.TrimSpace(s.PUID)
			if first, dup := seen[puid]; dup {
				return nil, policy.Problems{{Path: here, Code: CodeDuplicatePUID, Message: "repeats the puid of " + first}}
			}
			seen[puid] = here
		}
		out = append(out, b)
	}
	return out, sc.Err()
}

// statementKeys are the JSON keys of a Statement, exactly as the database
// spells them.
var statementKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[Statement]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys[name] = true
	}
	return keys
}()

// nullRefused are the keys the database refuses as null: leave them out.
var nullRefused = map[string]bool{"category_addition": true, "incompatible_content_illegal": true}

// checkLine refuses what encoding/json would let through but the database
// would not: a line that is not UTF-8 or holds more than one JSON value,
// keys that match a field only when case is ignored, and null where the
// field must be left out.
func checkLine(line []byte, at string) error {
	fail := func(path, format string, args ...any) error {
		return policy.Problems{{Path: path, Code: CodeNotAccepted, Message: fmt.Sprintf(format, args...)}}
	}
	if !utf8.Valid(line) {
		return fail(at, "not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return fail(at, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(at, "more than one JSON value on the line")
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if k != "statements" {
			return fail(policy.JoinPath(at, k), "unknown key %q (keys are case-sensitive)", k)
		}
	}
	var statements []map[string]json.RawMessage
	if err := json.Unmarshal(top["statements"], &statements); err != nil {
		return fail(policy.JoinPath(at, "statements"), "%v", err)
	}
	for j, st := range statements {
		here := policy.IndexPath(policy.JoinPath(at, "statements"), j)
		for _, k := range slices.Sorted(maps.Keys(st)) {
			switch {
			case !statementKeys[k]:
				return fail(policy.JoinPath(here, k), "unknown key %q (keys are case-sensitive)", k)
			case nullRefused[k] && string(bytes.TrimSpace(st[k])) == "null":
				return fail(policy.JoinPath(here, k), "null is refused: leave the key out")
			}
		}
	}
	return nil
}
