package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

const playUsage = `Usage: warden play [-policy FILE] [-addr HOST:PORT] [FIXTURES...]

Play serves the rule author's playground, a web page with a policy editor
beside a case editor: compile errors show at their line and column as you
type, Decide shows the decision (penalty, rules matched, guard notes,
reason, pending review), Explain the trace of warden explain, Verify what
warden verify prints for the policy in the editor (its properties checked
over every cell of its case space and every pair of cells that can be the
two violations of one case, dead and shadowed rules, idle guards), and Run
the pass or fail of every case of a fixture file. The page, its style and
its script are inside the command: it needs no network and no build step.

It starts from the policy of -policy FILE, or the embedded default policy,
with the properties beside it (FILE.properties.yaml, or the default
policy's own), and offers the sample cases and fixture files of the
repository's testdata, and each FIXTURES file given. A fixture file runs
against the policy in the editor, whatever policy it names. It listens on
-addr, the loopback interface by default; ADDR with port 0 picks a free
port. The address it serves on is printed on standard output. Interrupt it
to stop it.

Whatever is typed into it, the server stays up: a request body over 1 MiB
is refused, every request is evaluated under a timeout of 5 seconds and at
most 4 at a time, and every CEL evaluation under a runtime cost limit of
1,000,000 whatever the policy's cost_budget says. An explanation traces
every rule for every violation of every case it explains: a request that
would trace more than 100,000 is refused before any is traced.

The page's API is JSON over POST, one call per button: /api/check,
/api/decide, /api/explain, /api/verify and /api/test take {"policy": TEXT,
"case": TEXT, "fixtures": TEXT, "properties": TEXT} (the texts the call
reads; /api/verify reads the properties the server started with when none
are given) and answer {"ok": BOOL, "policy": {name, version, digest,
rules, categories}, "errors": [the policy's problems, {file, line, column,
code, message} as check prints them], "input_errors": [{line, column,
message} of the case or fixture file], "decisions": [the decisions as eval
prints them], "explanations": [{decision, rules}], "text": the explanation
as explain prints it (or the verification as verify prints it),
"verification": what verify -json prints, "cases": [{name, line, passed,
diffs}], "ran": N, "failed": N}, each field only when the call sets it.
The shapes are those of check -json (policy, categories, rules, errors),
eval, verify -json and test -json (cases, ran, failed). A refused request
(too large, too slow, too many at once, malformed) gets a status of 400,
413, 500 or 503 and {"error": MESSAGE}.
`

// Limits of the playground's server; the usage text quotes them.
const (
	// playMaxBody is the largest request body the server reads, in bytes.
	playMaxBody = 1 << 20
	// playTimeout bounds the time one request may evaluate.
	playTimeout = 5 * time.Second
	// playMaxRunning bounds the evaluations running at once; a request
	// beyond it is refused with 503 rather than queued.
	playMaxRunning = 4
	// playCostLimit is the runtime cost limit of every CEL evaluation.
	playCostLimit = 1_000_000
	// playMaxTraces bounds the rule traces of one explanation request:
	// for each case, its violations times the rules of its target.
	playMaxTraces = 100_000
)

// playFiles holds the page and the samples it starts from. The samples are
// copies of files of the repository's testdata (a test keeps them equal).
//
//go:embed play
var playFiles embed.FS

func runPlay(e *env, args []string) int {
	f := newFlags("play", playUsage)
	policyFile := f.policyFlag()
	addr := f.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	files, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	s, err := newPlayServer(*policyFile, files)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return failStatus(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "warden play: %v\n", err)
		return exitUsage
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(e.stderr, "warden play: warning: %s is not a loopback address: anyone who can reach it can use the playground\n", ln.Addr())
	}
	fmt.Fprintf(e.stdout, "warden play: serving on http://%s/\n", ln.Addr())
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      playTimeout + 10*time.Second,
		IdleTimeout:       time.Minute,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "warden play: %v\n", err)
		return exitFail
	}
	return exitOK
}

// playSample is a file the page offers as a starting point.
type playSample struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// playStart is the answer of GET /api/start: what the editors start with.
type playStart struct {
	Policy playSample `json:"policy"`
	// Properties are what Verify checks: the properties file beside
	// -policy FILE, or the default policy's.
	Properties playSample   `json:"properties"`
	Cases      []playSample `json:"cases"`
	Fixtures   []playSample `json:"fixtures"`
	Limits     playLimits   `json:"limits"`
}

// playLimits are the server's limits, for the page to show.
type playLimits struct {
	MaxBody   int    `json:"max_body"`
	Timeout   string `json:"timeout"`
	CostLimit uint64 `json:"cost_limit"`
}

// playServer serves the playground.
type playServer struct {
	start   playStart
	timeout time.Duration
	// running holds a token for each evaluation under way.
	running chan struct{}
	// hook, when set by a test, runs at the start of every evaluation.
	hook func(ctx context.Context)
}

func newPlayServer(policyFile string, fixtures []string) (*playServer, error) {
	s := &playServer{timeout: playTimeout, running: make(chan struct{}, playMaxRunning)}
	s.start.Limits = playLimits{MaxBody: playMaxBody, Timeout: playTimeout.String(), CostLimit: playCostLimit}
	s.start.Policy = playSample{Name: policy.DefaultFile, Source: string(policy.DefaultSource())}
	if policyFile != "" {
		src, err := os.ReadFile(policyFile)
		if err != nil {
			return nil, &inputError{file: policyFile, msg: unwrapPath(err).Error(), io: true}
		}
		s.start.Policy = playSample{Name: filepath.Base(policyFile), Source: string(src)}
	}
	name, props, err := propertiesSource(policyFile, "")
	if err != nil {
		return nil, err
	}
	if name != "" { // none beside the policy: the name stays empty, as verify prints it
		name = filepath.Base(name)
	}
	s.start.Properties = playSample{Name: name, Source: string(props)}
	if s.start.Cases, err = embeddedSamples("play/samples/eval"); err != nil {
		return nil, err
	}
	for _, file := range fixtures {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, &inputError{file: file, msg: unwrapPath(err).Error(), io: true}
		}
		s.start.Fixtures = append(s.start.Fixtures, playSample{Name: filepath.Base(file), Source: string(src)})
	}
	builtin, err := embeddedSamples("play/samples/cases")
	if err != nil {
		return nil, err
	}
	s.start.Fixtures = append(s.start.Fixtures, builtin...)
	return s, nil
}

func embeddedSamples(dir string) ([]playSample, error) {
	entries, err := fs.ReadDir(playFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []playSample
	for _, ent := range entries {
		b, err := fs.ReadFile(playFiles, dir+"/"+ent.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, playSample{Name: ent.Name(), Source: string(b)})
	}
	return out, nil
}

// handler routes the page and its API.
func (s *playServer) handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(playFiles, "play/static")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/start", func(w http.ResponseWriter, r *http.Request) { playReply(w, http.StatusOK, s.start) })
	mux.HandleFunc("POST /api/check", s.api(playCheck))
	mux.HandleFunc("POST /api/decide", s.api(playDecide))
	mux.HandleFunc("POST /api/explain", s.api(playExplain))
	mux.HandleFunc("POST /api/test", s.api(playTest))
	mux.HandleFunc("POST /api/verify", s.api(s.verify))
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/check", "/api/decide", "/api/explain", "/api/test", "/api/verify":
			w.Header().Set("Allow", "POST")
			playReply(w, http.StatusMethodNotAllowed, playProblem{r.URL.Path + " takes POST"})
		default:
			playReply(w, http.StatusNotFound, playProblem{"no such call: " + r.URL.Path})
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Nothing but the page's own files: no CDN, no inline script.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

// playRequest is the body of every POST of the API: the texts of the
// editors that the call reads.
type playRequest struct {
	Policy   string `json:"policy"`
	Case     string `json:"case,omitempty"`
	Fixtures string `json:"fixtures,omitempty"`
	// Properties are what /api/verify checks; empty for the properties
	// the server started with.
	Properties string `json:"properties,omitempty"`
}

// playResponse is the answer of every POST of the API. A policy that does
// not compile gives its problems in Errors, an input that is not a case or
// a fixture file gives its problems in InputErrors; the rest is set by the
// call that computes it.
type playResponse struct {
	OK bool `json:"ok"`
	// Policy identifies the compiled policy, and Categories and Rules
	// count what it has, as warden check -json gives them.
	Policy     *policy.PolicyRef `json:"policy,omitempty"`
	Categories int               `json:"categories,omitempty"`
	Rules      int               `json:"rules,omitempty"`
	// Errors are the problems of the policy, as warden check reports them.
	Errors []*policy.Error `json:"errors,omitempty"`
	// InputErrors are the problems of the case or fixture file.
	InputErrors []playInputError `json:"input_errors,omitempty"`
	// Decisions are the decisions of the case, as warden eval prints them:
	// one, or for a group case the group's and then each member's.
	Decisions []policy.Decision `json:"decisions,omitempty"`
	// Explanations are the traces of the case's decisions, and Text the
	// explanation as warden explain prints it (for /api/verify, the
	// verification as warden verify prints it).
	Explanations []policy.Explanation `json:"explanations,omitempty"`
	Text         string               `json:"text,omitempty"`
	// Verification is what /api/verify found, as warden verify -json
	// gives it.
	Verification *policy.Verification `json:"verification,omitempty"`
	// Cases are the fixture cases run, in order, as warden test -json
	// gives them, and Ran and Failed their counts.
	Cases  []playResult `json:"cases,omitempty"`
	Ran    int          `json:"ran,omitempty"`
	Failed int          `json:"failed,omitempty"`
}

// playInputError is a problem in a case or fixture file; Line and Column
// are zero when not known.
type playInputError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// playResult is one fixture case run.
type playResult struct {
	Name   string   `json:"name"`
	Line   int      `json:"line"`
	Passed bool     `json:"passed,omitempty"`
	Diffs  []string `json:"diffs,omitempty"`
}

// playProblem is the answer of a request the server refused.
type playProblem struct {
	Error string `json:"error"`
}

// Names the editors' texts are reported under.
const (
	playPolicyName  = "policy.yaml"
	playCaseName    = "case.yaml"
	playFixtureName = "fixtures.yaml"
)

// api wraps a call of the API: it reads the request under the size limit,
// and evaluates it under the timeout and the limit of evaluations running
// at once, recovering from a panic, so that no input stops the server.
func (s *playServer) api(call func(ctx context.Context, req playRequest) playResponse) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req playRequest
		body := http.MaxBytesReader(w, r.Body, playMaxBody)
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				playReply(w, http.StatusRequestEntityTooLarge, playProblem{fmt.Sprintf("the request is over the limit of %d bytes", playMaxBody)})
				return
			}
			playReply(w, http.StatusBadRequest, playProblem{"the request is not an API request: " + err.Error()})
			return
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			playReply(w, http.StatusRequestEntityTooLarge, playProblem{fmt.Sprintf("the request is over the limit of %d bytes", playMaxBody)})
			return
		}
		select {
		case s.running <- struct{}{}:
		default:
			playReply(w, http.StatusServiceUnavailable, playProblem{fmt.Sprintf("busy: %d evaluations are still running; try again", playMaxRunning)})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		type result struct {
			resp  playResponse
			panic any
		}
		done := make(chan result, 1)
		go func() {
			// The token is given back when the evaluation ends, even after
			// the request gave up on it.
			defer func() { <-s.running }()
			defer func() {
				if p := recover(); p != nil {
					done <- result{panic: p}
				}
			}()
			if s.hook != nil {
				s.hook(ctx)
			}
			done <- result{resp: call(ctx, req)}
		}()
		select {
		case res := <-done:
			if res.panic != nil {
				playReply(w, http.StatusInternalServerError, playProblem{fmt.Sprintf("internal error: %v", res.panic)})
				return
			}
			playReply(w, http.StatusOK, res.resp)
		case <-ctx.Done():
			playReply(w, http.StatusServiceUnavailable, playProblem{fmt.Sprintf("the evaluation took longer than %s and was abandoned", s.timeout)})
		}
	}
}

func playReply(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		fmt.Fprintf(&b, "{\"error\": %q}\n", err.Error())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// compile compiles the policy of a request into resp; nil when it has
// problems, which are then in resp.Errors. It stops once ctx ends, so that
// a policy slow to compile gives its slot back with the request's time.
func (resp *playResponse) compile(ctx context.Context, src string) *policy.Engine {
	engine, err := policy.CompileContext(ctx, playPolicyName, []byte(src), policy.WithCostLimit(playCostLimit))
	var list policy.ErrorList
	switch {
	case errors.As(err, &list):
		resp.Errors = list
		return nil
	case err != nil:
		resp.Errors = []*policy.Error{{File: playPolicyName, Line: 1, Column: 1, Message: err.Error()}}
		return nil
	}
	ref := engine.Policy()
	resp.Policy, resp.Rules, resp.Categories = &ref, len(engine.Rules()), len(engine.Categories())
	return engine
}

// inputError records the problems of the case or fixture file: err, or
// each of the errors it joins.
func (resp *playResponse) inputError(err error) {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			resp.inputError(e)
		}
		return
	}
	var ie *inputError
	if errors.As(err, &ie) {
		resp.InputErrors = append(resp.InputErrors, playInputError{Line: ie.line, Column: ie.col, Message: ie.msg})
		return
	}
	// Other errors (package policytest's) start with the file name and,
	// where known, the line.
	e := playInputError{Message: err.Error()}
	if m := playPositionRE.FindStringSubmatch(e.Message); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Column, _ = strconv.Atoi(m[2])
		e.Message = m[3]
	}
	resp.InputErrors = append(resp.InputErrors, e)
}

// playPositionRE reads the position off an error about standard input.
var playPositionRE = regexp.MustCompile(`(?s)^` + regexp.QuoteMeta(stdinName) + `:(?:(\d+):(?:(\d+):)?)? ?(.*)$`)

// stdinEnv reads src as the standard input of a command, so that the case
// and fixture readers of the other commands read the editors' texts.
func stdinEnv(src string) *env {
	return &env{stdin: strings.NewReader(src), stdout: io.Discard, stderr: io.Discard}
}

func playCheck(ctx context.Context, req playRequest) playResponse {
	var resp playResponse
	resp.OK = resp.compile(ctx, req.Policy) != nil
	return resp
}

// playCases compiles the policy and reads the case of a request.
func playCases(ctx context.Context, req playRequest, resp *playResponse) (*policy.Engine, *caseFile) {
	engine := resp.compile(ctx, req.Policy)
	cf, err := readCases("-", stdinEnv(req.Case))
	if err != nil {
		resp.inputError(err)
		return nil, nil
	}
	return engine, cf
}

func playDecide(ctx context.Context, req playRequest) playResponse {
	var resp playResponse
	engine, cf := playCases(ctx, req, &resp)
	if engine == nil || cf == nil {
		return resp
	}
	decisions, err := decideAll(ctx, engine, cf)
	if err != nil {
		resp.inputError(err)
		return resp
	}
	resp.OK, resp.Decisions = true, decisions
	return resp
}

func playExplain(ctx context.Context, req playRequest) playResponse {
	var resp playResponse
	engine, cf := playCases(ctx, req, &resp)
	if engine == nil || cf == nil {
		return resp
	}
	var b strings.Builder
	if _, err := cf.check(ctx, engine); err != nil {
		resp.inputError(err)
		return resp
	}
	rules := map[policy.Target]int{}
	for _, r := range engine.Rules() {
		rules[r.Target]++
	}
	traces := 0
	for _, c := range cf.cases {
		if traces += len(c.Violations) * rules[c.Target]; traces > playMaxTraces {
			resp.inputError(fmt.Errorf("explaining these cases would trace more than %d rules (each case's violations times the rules of its target): explain fewer cases or violations here, or run warden explain", playMaxTraces))
			return resp
		}
	}
	parts := partitions(engine)
	for _, c := range cf.cases {
		x, err := engine.Explain(ctx, c)
		if err != nil {
			resp.Explanations = nil
			resp.inputError(cf.doc.caseError(err))
			return resp
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		writeExplanation(&b, c, x, parts)
		resp.Explanations = append(resp.Explanations, x)
	}
	resp.OK, resp.Text = true, b.String()
	return resp
}

// playTest runs the cases of a fixture file against the policy of the
// editor, whatever policy the file names.
func playTest(ctx context.Context, req playRequest) playResponse {
	var resp playResponse
	engine := resp.compile(ctx, req.Policy)
	fx, err := loadFixtures("-", stdinEnv(req.Fixtures))
	if err != nil {
		resp.inputError(err)
		return resp
	}
	if engine == nil {
		return resp
	}
	for _, c := range fx.Cases {
		if ctx.Err() != nil {
			break
		}
		diffs := c.Check(ctx, engine)
		resp.Cases = append(resp.Cases, playResult{Name: c.Name, Line: c.Line, Passed: len(diffs) == 0, Diffs: diffs})
		resp.Ran++
		if len(diffs) > 0 {
			resp.Failed++
		}
	}
	resp.OK = resp.Failed == 0
	return resp
}

// verify checks the properties of a request, or those the server started
// with, over the policy of the editor, as warden verify does.
func (s *playServer) verify(ctx context.Context, req playRequest) playResponse {
	var resp playResponse
	engine := resp.compile(ctx, req.Policy)
	name, src := s.start.Properties.Name, s.start.Properties.Source
	if req.Properties != "" {
		name, src = "properties.yaml", req.Properties
	}
	var props []policy.Property
	if src != "" {
		var err error
		if props, err = policy.ParseProperties(name, []byte(src)); err != nil {
			resp.inputError(err)
			return resp
		}
	}
	if engine == nil {
		return resp
	}
	v, err := engine.Verify(ctx, props)
	if err != nil {
		resp.inputError(fmt.Errorf("%s: %w", name, err))
		return resp
	}
	var b strings.Builder
	writeVerification(&b, engine, name, v)
	resp.Text, resp.Verification = b.String(), &v
	resp.OK = true
	for _, p := range v.Properties {
		resp.OK = resp.OK && p.Failures == 0
	}
	return resp
}
