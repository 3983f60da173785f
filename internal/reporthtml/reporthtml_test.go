package reporthtml

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// campaign runs a campaign and returns its report and latency histogram.
func campaign(t *testing.T, c enforcement.Campaign, cases func(yield func(enforcement.GroupCase) bool)) (*enforcement.Report, *Latencies) {
	t.Helper()
	var lat Latencies
	r, err := enforcement.NewPlanner(policy.Default()).Run(context.Background(), c, cases,
		enforcement.WithPlans(func(p *enforcement.Plan) error { lat.Add(p); return nil }))
	require.NoError(t, err)
	return r, &lat
}

func sampleCases(t *testing.T) func(yield func(enforcement.GroupCase) bool) {
	t.Helper()
	f, err := os.Open("../../testdata/campaign/sample.jsonl")
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	var cs []enforcement.GroupCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var gc enforcement.GroupCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &gc))
		cs = append(cs, gc)
	}
	require.NoError(t, sc.Err())
	return slices.Values(cs)
}

// number is one number of the page, from its data attributes, and the
// text of the element (a table cell's text, a bar's tooltip).
type number struct {
	tag, chart, row, series string
	value                   int64
	text                    string
}

var numberRE = regexp.MustCompile(`<(rect|td|dd) data-chart="([^"]+)" data-row="([^"]+)" data-series="([^"]+)" data-value="(-?\d+)"[^>]*>(?:<title>)?([^<]*)`)

func numbers(t *testing.T, page string) []number {
	var out []number
	for _, m := range numberRE.FindAllStringSubmatch(page, -1) {
		v, err := strconv.ParseInt(m[5], 10, 64)
		require.NoError(t, err)
		out = append(out, number{m[1], m[2], unescape(m[3]), m[4], v, unescape(m[6])})
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// fromJSON lists what the JSON report says each chart shows: chart → row
// → series → value, read from the JSON, not from the Go report.
func fromJSON(t *testing.T, r *enforcement.Report) map[string]map[string]map[string]int64 {
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var j map[string]any
	require.NoError(t, json.Unmarshal(b, &j))
	want := map[string]map[string]map[string]int64{}
	put := func(chart, row, series string, v any) {
		if want[chart] == nil {
			want[chart] = map[string]map[string]int64{}
		}
		if want[chart][row] == nil {
			want[chart][row] = map[string]int64{}
		}
		want[chart][row][series] = int64(v.(float64))
	}
	obj := func(v any) map[string]any { return v.(map[string]any) }
	for _, k := range []string{"cases", "skipped", "member_decisions", "pending_review", "second_approvals"} {
		put("summary", "campaign", k, j[k])
	}
	for _, k := range []string{"focus", "other"} {
		put("headline", k, "groups_closed", obj(j[k])["groups_closed"])
		put("headline", k, "accounts_banned", obj(j[k])["accounts_banned"])
	}
	groups := func(row string, g map[string]any) {
		for _, s := range []string{"closed", "suspended", "restricted", "warned", "untouched"} {
			put("groups", row, s, g[s])
		}
	}
	accounts := func(chart, row string, a map[string]any, series ...string) {
		for _, s := range series {
			put(chart, row, s, a[s])
		}
	}
	measures := []string{"banned", "suspended", "restricted", "warned", "spared"}
	for _, c := range j["by_category"].([]any) {
		c := obj(c)
		groups(c["category"].(string), obj(c["groups"]))
		accounts("accounts", c["category"].(string), obj(c["accounts"]), measures...)
	}
	groups("total", obj(j["groups"]))
	accounts("accounts", "total", obj(j["accounts"]), measures...)
	for _, rt := range j["by_role"].([]any) {
		rt := obj(rt)
		accounts("roles", rt["role"].(string), obj(rt["accounts"]), append(measures, "held")...)
	}
	if funds, ok := j["funds_frozen"].([]any); ok {
		for _, m := range funds {
			put("funds", obj(m)["currency"].(string), "amount", obj(m)["amount"])
		}
	}
	for _, q := range []string{"p50", "p90", "p99", "max"} {
		d, err := policy.ParseDuration(obj(j["latency"])[q].(string))
		require.NoError(t, err)
		put("quantiles", q, "time", float64(time.Duration(d)/time.Second))
	}
	return want
}

// Every number of the page is the JSON report's, each once as a bar (but
// for the summary cards and the quantiles) and once in a table, with the
// text that shows it; the histogram adds up to the report's latency cases.
func TestPageNumbersAreTheReports(t *testing.T) {
	for name, run := range map[string]func() (*enforcement.Report, *Latencies){
		"sample": func() (*enforcement.Report, *Latencies) {
			return campaign(t, enforcement.Campaign{Name: "sample", Focus: []string{"csam", "pii_trafficking"}}, sampleCases(t))
		},
		"synthetic": func() (*enforcement.Report, *Latencies) {
			cfg := synth.Default
			cfg.Groups = 600
			return campaign(t, enforcement.Campaign{Name: "synthetic", From: synth.Start, To: synth.End, Focus: synth.Focus}, synth.Cases(cfg))
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, lat := run()
			var b bytes.Buffer
			require.NoError(t, Write(&b, r, lat))
			page := b.String()
			want := fromJSON(t, r)
			seen := map[string]int{}
			var bars, cells int64
			for _, n := range numbers(t, page) {
				if n.chart == "latency" {
					if n.tag == "rect" {
						bars += n.value
						assert.Equal(t, fmt.Sprintf("%s: %s cases", n.row, thousands(n.value)), n.text)
					} else {
						cells += n.value
						assert.Equal(t, thousands(n.value), n.text)
					}
					continue
				}
				v, ok := want[n.chart][n.row][n.series]
				require.True(t, ok, "the page shows %+v, not in the report", n)
				assert.Equal(t, v, n.value, "%+v", n)
				text := thousands(v)
				switch n.chart {
				case "funds":
					text = enforcement.Amount(n.row, v)
				case "quantiles":
					text = policy.Duration(time.Duration(v) * time.Second).String()
				}
				if n.tag == "rect" {
					assert.Contains(t, n.text, ": "+text+" ", "%+v", n)
				} else {
					assert.Equal(t, text, n.text, "%+v", n)
				}
				seen[n.tag+" "+n.chart+" "+n.row+" "+n.series]++
			}
			for chart, rows := range want {
				tags := []string{"rect", "td"}
				switch chart {
				case "summary":
					tags = []string{"dd"}
				case "quantiles":
					tags = []string{"td"}
				}
				for row, series := range rows {
					for s := range series {
						for _, tag := range tags {
							assert.Equal(t, 1, seen[tag+" "+chart+" "+row+" "+s], "%s %s %s %s", tag, chart, row, s)
						}
					}
				}
			}
			assert.Positive(t, r.Latency.Cases)
			assert.EqualValues(t, r.Latency.Cases, bars)
			assert.EqualValues(t, r.Latency.Cases, cells)
			for _, q := range []string{"p50", "p90", "p99", "max"} {
				assert.Contains(t, page, fmt.Sprintf(`data-quantile="%s" data-value="%d"`, q, want["quantiles"][q]["time"]))
			}
		})
	}
}

// The page is self-contained: no script, nothing loaded from elsewhere,
// and what the report says is escaped.
func TestPageSelfContainedAndEscaped(t *testing.T) {
	r, lat := campaign(t, enforcement.Campaign{Name: `<script>alert("x")</script> & co`}, sampleCases(t))
	var b bytes.Buffer
	require.NoError(t, Write(&b, r, lat))
	page := b.String()
	assert.NotContains(t, page, "<script")
	assert.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co")
	for _, attr := range []string{"src=", "href=", "url(", "@import"} {
		assert.NotContains(t, page, attr)
	}
	assert.True(t, strings.HasPrefix(page, "<!doctype html>"))
	assert.Equal(t, strings.Count(page, "<figure"), strings.Count(page, "</figure>"))
	assert.Equal(t, strings.Count(page, "<svg"), strings.Count(page, "</svg>"))
	assert.Equal(t, strings.Count(page, "<table"), strings.Count(page, "</table>"))
}

// A campaign with no case still renders, with no histogram and no funds.
func TestPageOfAnEmptyCampaign(t *testing.T) {
	r, lat := campaign(t, enforcement.Campaign{Name: "empty"}, slices.Values([]enforcement.GroupCase(nil)))
	for _, l := range []*Latencies{lat, nil} {
		var b bytes.Buffer
		require.NoError(t, Write(&b, r, l))
		page := b.String()
		assert.Contains(t, page, "No funds were frozen.")
		assert.NotContains(t, page, `data-chart="latency" data-row`)
		assert.Contains(t, page, `data-row="p50" data-series="time" data-value="0"`)
	}
}

// The histogram counts exactly the cases the report's latency counts, and
// each quantile lies in a bucket where the cumulative count crosses it.
func TestLatenciesAgreeWithTheReport(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		cfg := synth.Default
		cfg.Groups, cfg.Seed = 150+int(seed)*50, seed
		r, lat := campaign(t, enforcement.Campaign{Name: "s", From: synth.Start, To: synth.End}, synth.Cases(cfg))
		require.Equal(t, r.Latency.Cases, lat.Cases(), "seed %d", seed)
		n := float64(lat.Cases())
		for _, q := range []struct {
			p float64
			d policy.Duration
		}{{0.5, r.Latency.P50}, {0.9, r.Latency.P90}, {0.99, r.Latency.P99}, {1, r.Latency.Max}} {
			i := bucketOf(time.Duration(q.d))
			before := 0
			for _, b := range lat.Buckets()[:i] {
				before += b.Count
			}
			through := before + lat.Buckets()[i].Count
			assert.LessOrEqual(t, float64(before), q.p*n+1, "seed %d: p%v %s", seed, q.p*100, q.d)
			assert.GreaterOrEqual(t, float64(through), q.p*n-1, "seed %d: p%v %s", seed, q.p*100, q.d)
		}
	}
}

func TestBuckets(t *testing.T) {
	var l Latencies
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	plan := func(ago ...time.Duration) *enforcement.Plan {
		p := &enforcement.Plan{At: at}
		for _, d := range ago {
			p.Violations = append(p.Violations, policy.Violation{Detected: at.Add(-d)})
		}
		return p
	}
	l.Add(plan(time.Hour))                     // on the bound: the first bucket
	l.Add(plan(time.Hour + time.Second))       // just above
	l.Add(plan(2*time.Hour, 200*24*time.Hour)) // the earliest detection counts: the open bucket
	l.Add(plan(-time.Hour))                    // detected after the decision: not counted
	l.Add(plan())                              // no violation: not counted
	l.Add(&enforcement.Plan{At: at, Violations: []policy.Violation{{Committed: at.Add(-30 * time.Minute)}}})
	b := l.Buckets()
	require.Len(t, b, len(latencyBounds)+1)
	assert.Equal(t, Bucket{From: 0, To: time.Hour, Count: 2}, b[0])
	assert.Equal(t, Bucket{From: time.Hour, To: 3 * time.Hour, Count: 1}, b[1])
	assert.Equal(t, Bucket{From: 90 * day, Count: 1}, b[len(b)-1])
	assert.Equal(t, 4, l.Cases())
	assert.Equal(t, "≤ 1h", bucketLabel(b[0]))
	assert.Equal(t, "1h–3h", bucketLabel(b[1]))
	assert.Equal(t, "12h–1d", bucketLabel(b[4]))
	assert.Equal(t, "> 90d", bucketLabel(b[len(b)-1]))
}

func TestNiceCeilAndThousands(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		n := rng.Int64N(10_000_000)
		c := niceCeil(n)
		require.GreaterOrEqual(t, c, n)
		require.Zero(t, c%4, "%d: ticks at quarters are whole", n)
		require.LessOrEqual(t, c, max(2*n, 4)+4, "%d: the scale is not much more than the values", n)
		require.Equal(t, c, niceCeil(c), "%d: a scale top is its own scale", n)
	}
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 89339: "89,339", 1234567: "1,234,567", -1500: "-1,500"} {
		assert.Equal(t, want, thousands(n))
	}
}
