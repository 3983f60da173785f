package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const policyText = chromedp.CSS("#policy-editor textarea")

// waitStatus waits until the policy status line starts with prefix.
func waitStatus(prefix string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("policy-status").textContent.startsWith(%q)`, prefix))
}

// js evaluates a script for its side effects.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](script)
}

// choose selects the option of index i of a select element.
func choose(id string, i int) chromedp.Action[chromedp.Void] {
	return js(fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); })()`, id, fmt.Sprint(i)))
}

// TestPlayBrokenRuleThenDecide types a mistake into a rule of the default
// policy and checks the error marker lands on that rule's line, with the
// compiler's message and column; removes the mistake and checks the marker
// goes; then decides and explains the sample case of an owner whose group
// had confirmed CSAM, and checks the decision the page shows; then
// verifies the policy and checks the properties pass over cases of one
// violation and of two.
func TestPlayBrokenRuleThenDecide(t *testing.T) {
	ctx := browser(t)
	url := startPlay(t)
	src, err := os.ReadFile(filepath.Join(root, "policy", "default.yaml"))
	require.NoError(t, err)
	// The mistake: variables.leader becomes variables.xleader.
	const target = "variables.leader && variables.serious"
	at := bytes.Index(src, []byte(target))
	require.Positive(t, at, "the default policy has no %q", target)
	line := bytes.Count(src[:at], []byte("\n")) + 1
	col := at - bytes.LastIndexByte(src[:at], '\n')
	caret := len([]rune(string(src[:at+len("variables.")]))) // where the x goes

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(url),
		waitStatus("ok: policy warden-default"),
		js(fmt.Sprintf(`(() => { const t = document.querySelector("#policy-editor textarea"); t.focus(); t.setSelectionRange(%d, %d); })()`, caret, caret)),
		chromedp.SendKeys(policyText, "x"),
		waitStatus("1 error"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#policy-editor .gutter div.error[data-line="%d"]`, line))),
	))
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#policy-editor .gutter div.error")].map(d => d.dataset.line)`))
	require.NoError(t, err)
	assert.Equal(t, []string{fmt.Sprint(line)}, marked, "only the broken rule's line is marked")
	problem, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#policy-problems li")))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("policy.yaml:%d:%d: unknown-variable: variables.xleader is not declared (did you mean variables.leader?)", line, col), problem)
	lens, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`#policy-editor .backdrop div[data-line="%d"] .lens`, line))))
	require.NoError(t, err)
	assert.Contains(t, lens, "variables.xleader is not declared", "the message shows on the line")
	underlined, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`#policy-editor .backdrop div[data-line="%d"] mark`, line))))
	require.NoError(t, err)
	assert.Equal(t, "variables.xleader", underlined, "the column is underlined")
	screenshot(t, ctx, "play-error.png")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(policyText, kb.Backspace),
		waitStatus("ok: policy warden-default"),
		chromedp.WaitNotPresent(chromedp.CSS("#policy-editor .gutter div.error")),
		choose("case-sample", 1), // owner_csam.yaml
		chromedp.Click(chromedp.CSS("#decide")),
		chromedp.WaitVisible(chromedp.CSS("#output .decision")),
	))
	decision, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const d = document.querySelector("#output .decision");
		const dd = (k) => [...d.querySelectorAll("dt")].find(e => e.textContent === k).nextElementSibling.textContent;
		return {subject: d.dataset.subject, penalty: d.querySelector(".penalty").textContent,
			rule: dd("rule"), matched: dd("rules matched"), guards: dd("guard notes"), pending: dd("pending review"), reason: dd("reason")};
	})()`))
	require.NoError(t, err)
	assert.Equal(t, "alice", decision["subject"])
	assert.Equal(t, "ban", decision["penalty"])
	assert.Equal(t, "focus-leader-ban for violation v1 (csam)", decision["rule"])
	assert.Contains(t, decision["matched"], "focus-leader-ban on v1: asks ban")
	assert.Equal(t, "none", decision["guards"])
	assert.Equal(t, "no", decision["pending"])
	assert.Contains(t, decision["reason"], "banned permanently")
	screenshot(t, ctx, "play-decide.png")

	// The decision's rule leads to its definition in the policy.
	ruleAt := bytes.Index(src, []byte("id: focus-leader-ban\n"))
	require.Positive(t, ruleAt)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#output .decision dd.rule-link"))))
	caretLine, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const t = document.querySelector("#policy-editor textarea");
		return t.value.slice(0, t.selectionStart).split("\n").length; })()`))
	require.NoError(t, err)
	assert.Equal(t, bytes.Count(src[:ruleAt], []byte("\n"))+1, caretLine, "the caret is on the rule's id")

	trace := clickThenText(ctx, t, "#explain", "#output pre.trace")
	assert.Contains(t, trace, "account alice (owner of group g1)")
	assert.Contains(t, trace, "matched   focus-leader-ban: asks ban, gets ban")
	assert.Contains(t, trace, "variables.leader = true")
	screenshot(t, ctx, "play-explain.png")

	// Verify: the default policy's properties over every cell and every
	// pair of cells of one case of two violations.
	verified := clickThenText(ctx, t, "#verify", "#output pre.verification")
	assert.Contains(t, verified, "pairs of cells (two violations, one subject): account 6912 of 6912")
	assert.Contains(t, verified, "ok    zero-tolerance-decides")
	assert.NotContains(t, verified, "FAIL")
}

// clickThenText clicks a button of the page and returns the text of what
// it shows, once visible.
func clickThenText(ctx context.Context, t *testing.T, button, shown string) string {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(shown))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(shown)))
	require.NoError(t, err)
	return text
}

// TestPlayFixtureFailure loads a fixture file of the repository into the
// fixtures editor, changes what its first case expects, runs the file and
// checks that exactly that case fails, with the difference, and every other
// passes.
func TestPlayFixtureFailure(t *testing.T) {
	ctx := browser(t)
	url := startPlay(t)
	src, err := os.ReadFile(filepath.Join(root, "testdata", "cases", "members.yaml"))
	require.NoError(t, err)
	var fx struct {
		Cases []struct {
			Name   string `yaml:"name"`
			Expect struct {
				Penalty string `yaml:"penalty"`
			} `yaml:"expect"`
		} `yaml:"cases"`
	}
	require.NoError(t, yaml.Unmarshal(src, &fx))
	require.Greater(t, len(fx.Cases), 2)
	require.Equal(t, "none", fx.Cases[0].Expect.Penalty)
	// The first case now expects a ban.
	first := bytes.Index(src, []byte("penalty: none"))
	edited := string(src[:first]) + "penalty: ban" + string(src[first+len("penalty: none"):])

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(url),
		waitStatus("ok: policy"),
		chromedp.Click(chromedp.CSS("#tab-fixtures")),
		chromedp.WaitVisible(chromedp.CSS("#fixture-editor textarea")),
	))
	options, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#fixture-sample option")].map(o => o.textContent)`))
	require.NoError(t, err)
	i := indexOf(options, "members.yaml")
	require.GreaterOrEqual(t, i, 0, "the page offers %v", options)
	require.NoError(t, chromedp.Do(ctx,
		choose("fixture-sample", i),
		chromedp.SetValue(chromedp.CSS("#fixture-editor textarea"), edited),
		chromedp.Click(chromedp.CSS("#run-fixtures")),
		chromedp.Poll[chromedp.Void](`document.getElementById("fixture-summary").textContent.startsWith("FAIL")`),
	))
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#fixture-summary")))
	require.NoError(t, err)
	type result struct{ Verdict, Name, Diffs string }
	results, err := chromedp.Run(ctx, chromedp.Evaluate[[]result](`[...document.querySelectorAll("#fixture-results li")].map(li => ({
		Verdict: li.querySelector(".verdict").textContent, Name: li.querySelector(".name").textContent,
		Diffs: [...li.querySelectorAll(".diff")].map(d => d.textContent).join("\n")}))`))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("FAIL: 1 of %d cases failed", len(fx.Cases)), summary)
	require.Len(t, results, len(fx.Cases))
	for i, r := range results {
		assert.Equal(t, fx.Cases[i].Name, r.Name)
		if i == 0 {
			assert.Equal(t, "FAIL", r.Verdict)
			assert.Equal(t, "penalty: got none, want ban", r.Diffs)
		} else {
			assert.Equal(t, "PASS", r.Verdict, r.Diffs)
		}
	}
	screenshot(t, ctx, "play-fixtures.png")
}

// TestPlayHostileRequests sends the running server what a hostile page
// could: a body over the limit, a policy that is not YAML, deeply nested
// ones; and checks each is answered and the server still compiles a policy
// afterwards. It needs no browser.
func TestPlayHostileRequests(t *testing.T) {
	url := startPlay(t)
	post := func(path string, body []byte) (int, map[string]any) {
		res, err := http.Post(url+path, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		defer res.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
		return res.StatusCode, out
	}
	req := func(policy string) []byte {
		b, err := json.Marshal(map[string]string{"policy": policy})
		require.NoError(t, err)
		return b
	}
	status, out := post("/api/check", req(strings.Repeat("x", 2<<20)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, out)
	status, out = post("/api/check", req(strings.Repeat("[", 100000)))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, false, out["ok"])
	status, out = post("/api/check", req(strings.Repeat("- ", 50000)+"x"))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, false, out["ok"])

	src, err := os.ReadFile(filepath.Join(root, "policy", "default.yaml"))
	require.NoError(t, err)

	// A burst of slow compiles (a policy of 1,500 rules each): every one is
	// answered, at most 4 are evaluated at once and the rest are refused as
	// busy or abandoned at the timeout; none is left waiting.
	var many strings.Builder
	many.Write(src)
	for i := range 1500 {
		fmt.Fprintf(&many, "  - {id: extra-%d, target: account, when: 'violation.severity >= severity.high', penalty: warn, message: '\"extra\"', ground: {kind: contractual, reference: terms}}\n", i)
	}
	body := req(many.String())
	statuses := make(chan int, 12)
	var wg sync.WaitGroup
	for range cap(statuses) {
		wg.Go(func() {
			start := time.Now()
			status, _ := post("/api/check", body)
			assert.Less(t, time.Since(start), 15*time.Second)
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, cap(statuses), count[http.StatusOK]+count[http.StatusServiceUnavailable], "%v", count)
	assert.Positive(t, count[http.StatusServiceUnavailable], "%v", count)
	t.Logf("a burst of %d slow compiles: %v", cap(statuses), count)

	// Afterwards the server compiles and decides as before.
	require.Eventually(t, func() bool {
		status, out = post("/api/check", req(string(src)))
		return status == http.StatusOK && out["ok"] == true
	}, 30*time.Second, 200*time.Millisecond, "the server compiles policies again")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
