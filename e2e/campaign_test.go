package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
)

// cell is one number the page shows: in a bar of a chart or a cell of a
// table, with the text that says it (the bar's tooltip, the cell's text).
type cell struct {
	Kind   string `json:"kind"` // rect, td or dd
	Chart  string `json:"chart"`
	Row    string `json:"row"`
	Series string `json:"series"`
	Value  int64  `json:"value"`
	Text   string `json:"text"`
}

// readPage collects every number of the page in the browser.
const readPage = `[...document.querySelectorAll("[data-chart][data-series]")].map(e => ({
	kind: e.tagName.toLowerCase(), chart: e.dataset.chart, row: e.dataset.row, series: e.dataset.series,
	value: Number(e.dataset.value),
	text: e.tagName.toLowerCase() === "rect" ? e.querySelector("title").textContent : e.textContent}))`

// expected lists, independently of the renderer, the numbers each chart
// must show for the report: chart → row → series → value.
func expected(r *enforcement.Report) map[string]map[string]map[string]int64 {
	want := map[string]map[string]map[string]int64{}
	put := func(chart, row, series string, v int) {
		if want[chart] == nil {
			want[chart] = map[string]map[string]int64{}
		}
		if want[chart][row] == nil {
			want[chart][row] = map[string]int64{}
		}
		want[chart][row][series] = int64(v)
	}
	put("summary", "campaign", "cases", r.Cases)
	put("summary", "campaign", "skipped", r.Skipped)
	put("summary", "campaign", "member_decisions", r.MemberDecisions)
	put("summary", "campaign", "pending_review", r.PendingReview)
	put("summary", "campaign", "second_approvals", r.SecondApprovals)
	put("headline", "focus", "groups_closed", r.Focus.GroupsClosed)
	put("headline", "focus", "accounts_banned", r.Focus.AccountsBanned)
	put("headline", "other", "groups_closed", r.Other.GroupsClosed)
	put("headline", "other", "accounts_banned", r.Other.AccountsBanned)
	groups := func(row string, g enforcement.GroupTally) {
		put("groups", row, "closed", g.Closed)
		put("groups", row, "suspended", g.Suspended)
		put("groups", row, "restricted", g.Restricted)
		put("groups", row, "warned", g.Warned)
		put("groups", row, "untouched", g.Untouched)
	}
	accounts := func(chart, row string, a enforcement.AccountTally) {
		put(chart, row, "banned", a.Banned)
		put(chart, row, "suspended", a.Suspended)
		put(chart, row, "restricted", a.Restricted)
		put(chart, row, "warned", a.Warned)
		put(chart, row, "spared", a.Spared)
	}
	for _, c := range r.ByCategory {
		groups(c.Category, c.Groups)
		accounts("accounts", c.Category, c.Accounts)
	}
	groups("total", r.Groups)
	accounts("accounts", "total", r.Accounts)
	for _, rt := range r.ByRole {
		accounts("roles", rt.Role.String(), rt.Accounts)
		put("roles", rt.Role.String(), "held", rt.Accounts.Held)
	}
	for _, m := range r.FundsFrozen {
		put("funds", m.Currency, "amount", int(m.Amount))
	}
	sec := func(d time.Duration) int { return int(d / time.Second) }
	put("quantiles", "p50", "time", sec(time.Duration(r.Latency.P50)))
	put("quantiles", "p90", "time", sec(time.Duration(r.Latency.P90)))
	put("quantiles", "p99", "time", sec(time.Duration(r.Latency.P99)))
	put("quantiles", "max", "time", sec(time.Duration(r.Latency.Max)))
	return want
}

// TestCampaignPage renders the report of a campaign as JSON and as an HTML
// page, opens the page in the browser and checks every chart against the
// JSON: each bar's value and tooltip and each table cell's value and text
// equal the report's number; the histogram's bars add up to the report's
// latency cases and its quantile markers carry the report's quantiles. It
// does so for warden campaign over the sample cases and for the cleanup
// example's synthetic campaign.
func TestCampaignPage(t *testing.T) {
	sample := filepath.Join("testdata", "campaign", "sample.jsonl")
	for _, tc := range []struct {
		name, screenshot string
		cmd              string
		pre, args        []string // the arguments before the flags, and after
	}{
		{"warden campaign", "campaign-sample.png", "warden", []string{"campaign"}, []string{sample}},
		{"examples/cleanup", "campaign-cleanup.png", "cleanup", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := browser(t)
			page := filepath.Join(t.TempDir(), "report.html")
			var report enforcement.Report
			require.NoError(t, json.Unmarshal(run(t, tc.cmd, concat(tc.pre, []string{"-json"}, tc.args)...), &report))
			run(t, tc.cmd, concat(tc.pre, []string{"-html", page}, tc.args)...)
			abs, err := filepath.Abs(page)
			require.NoError(t, err)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate("file://"+abs),
				chromedp.WaitVisible(chromedp.CSS("#latency svg")),
			))
			cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]cell](readPage))
			require.NoError(t, err)

			// Every number the report has is on the page, as a bar (but
			// for the summary, which has cards) and as a table cell.
			want := expected(&report)
			seen := map[string]int{}
			for _, c := range cells {
				if c.Chart == "latency" {
					continue
				}
				v, ok := want[c.Chart][c.Row][c.Series]
				if !assert.True(t, ok, "the page shows %+v, which is not in the report", c) {
					continue
				}
				assert.Equal(t, v, c.Value, "%s %s %s", c.Chart, c.Row, c.Series)
				text := thousands(v)
				switch c.Chart {
				case "funds":
					text = enforcement.Amount(c.Row, v)
				case "quantiles":
					text = quantileText(&report, c.Row)
				}
				switch c.Kind {
				case "rect":
					assert.Contains(t, c.Text, ": "+text+" ", "the tooltip says the value")
				default:
					assert.Equal(t, text, c.Text, "%s %s %s", c.Chart, c.Row, c.Series)
				}
				seen[c.Kind+" "+c.Chart+" "+c.Row+" "+c.Series]++
			}
			for chart, rows := range want {
				for row, series := range rows {
					for s := range series {
						kinds := []string{"td"}
						switch chart {
						case "summary":
							kinds = []string{"dd"}
						case "headline", "groups", "accounts", "roles", "funds":
							kinds = []string{"rect", "td"}
						}
						for _, k := range kinds {
							assert.Equal(t, 1, seen[k+" "+chart+" "+row+" "+s], "%s of %s %s %s", k, chart, row, s)
						}
					}
				}
			}

			// The histogram: bars and table cells agree and add up to the
			// report's cases; the quantile markers carry the report's values.
			bars, cellsTotal := int64(0), int64(0)
			nbars, ncells := 0, 0
			for _, c := range cells {
				if c.Chart != "latency" {
					continue
				}
				if c.Kind == "rect" {
					bars += c.Value
					nbars++
					assert.Equal(t, fmt.Sprintf("%s: %s cases", c.Row, thousands(c.Value)), c.Text)
				} else {
					cellsTotal += c.Value
					ncells++
					assert.Equal(t, thousands(c.Value), c.Text)
				}
			}
			assert.Positive(t, nbars)
			assert.Equal(t, nbars, ncells, "a table row for every bar")
			assert.EqualValues(t, report.Latency.Cases, bars)
			assert.EqualValues(t, report.Latency.Cases, cellsTotal)
			markers, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int64](`Object.fromEntries([...document.querySelectorAll("line[data-quantile]")].map(l => [l.dataset.quantile, Number(l.dataset.value)]))`))
			require.NoError(t, err)
			assert.Equal(t, map[string]int64{
				"p50": want["quantiles"]["p50"]["time"], "p90": want["quantiles"]["p90"]["time"],
				"p99": want["quantiles"]["p99"]["time"], "max": want["quantiles"]["max"]["time"],
			}, markers)
			// Focus categories are marked in the charts.
			focus, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#groups svg text.focus")].map(t => t.textContent)`))
			require.NoError(t, err)
			var wantFocus []string
			for _, c := range report.ByCategory {
				if c.Focus {
					wantFocus = append(wantFocus, c.Category+" ★")
				}
			}
			assert.Equal(t, wantFocus, focus)
			assert.NotEmpty(t, focus)
			screenshot(t, ctx, tc.screenshot)
			screenshotOf(t, ctx, "#latency", strings.TrimSuffix(tc.screenshot, ".png")+"-latency.png")
		})
	}
}

func quantileText(r *enforcement.Report, q string) string {
	l := r.Latency
	switch q {
	case "p50":
		return l.P50.String()
	case "p90":
		return l.P90.String()
	case "p99":
		return l.P99.String()
	}
	return l.Max.String()
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
