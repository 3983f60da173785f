// Package reporthtml renders a campaign's [enforcement.Report] as one
// self-contained HTML page: inline SVG charts and CSS, no script, no
// external asset, so that the file can be mailed, archived and opened
// offline. Each chart is followed by a table of the same numbers, for
// screen readers and for copying.
//
// The charts are the measures per category for groups and for accounts
// (focus categories marked), the focus categories against the others, the
// members spared against those penalised by role, the funds frozen by
// currency, and the histogram of the time from detection to decision with
// the report's quantiles marked. The histogram's buckets come from a
// [Latencies] fed with the campaign's plans; the report itself holds only
// the quantiles.
//
// Every number of a chart is in the data-chart, data-row, data-series and
// data-value attributes of its bar and of its table cell, which is how the
// tests compare the page with the JSON report.
package reporthtml

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Write renders the report as an HTML page. lat is the histogram of the
// campaign's latencies; when it is nil the page shows the quantiles alone.
func Write(w io.Writer, r *enforcement.Report, lat *Latencies) error {
	p := &page{}
	p.header(r)
	p.summary(r)
	p.headline(r)
	p.categories(r)
	p.roles(r)
	p.funds(r)
	p.latency(r, lat)
	p.printf("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, p.b.String())
	return err
}

type page struct{ b strings.Builder }

func (p *page) printf(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

// esc escapes text for HTML and SVG.
func esc(s string) string { return html.EscapeString(s) }

// The colours of the measures, heaviest darkest.
var colours = map[string]string{
	"closed": "#7f1d1d", "banned": "#7f1d1d", "suspended": "#c2410c", "restricted": "#e08e0b",
	"warned": "#f3d36b", "untouched": "#cbd2dc", "spared": "#2f855a", "held": "#6b7fa3",
	"groups_closed": "#7f1d1d", "accounts_banned": "#c2410c", "amount": "#2b5797", "cases": "#2b5797",
}

const style = `
:root { --fg: #1b2230; --muted: #5a6474; --line: #d8dde5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: var(--fg); background: #f7f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 1em 2em; }
header h1 { margin: 0 0 .2em; font-size: 22px; }
header p { margin: 0; color: var(--muted); }
main { max-width: 1100px; margin: 0 auto; padding: 1em 2em 3em; }
figure { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 1.2em 0; padding: 1em 1.2em; }
figcaption { font-weight: 700; font-size: 17px; margin-bottom: .2em; }
figure > p { margin: 0 0 .6em; color: var(--muted); }
svg { display: block; max-width: 100%; height: auto; font: 12px system-ui, "DejaVu Sans", sans-serif; }
svg .label { fill: var(--fg); }
svg .focus { font-weight: 700; }
svg .value { fill: var(--fg); }
svg .inside { fill: #fff; font-size: 11px; }
svg .axis { stroke: var(--line); }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .quantile { stroke: #111; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .qlabel { fill: #111; font-weight: 700; font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; margin: .2em 0 .6em; padding: 0; list-style: none; font-size: 13px; }
.legend span { display: inline-block; width: .9em; height: .9em; border-radius: 2px; margin-right: .35em; vertical-align: -.1em; }
table { border-collapse: collapse; margin-top: .8em; font-size: 13px; }
caption { text-align: left; color: var(--muted); padding-bottom: .2em; }
th, td { border-bottom: 1px solid var(--line); padding: .2em .7em; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; }
thead th { text-align: right; }
thead th:first-child { text-align: left; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0 0; padding: 0; }
.cards div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5em 1em; min-width: 9em; }
.cards dt { color: var(--muted); font-size: 13px; }
.cards dd { margin: 0; font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
`

func (p *page) header(r *enforcement.Report) {
	title := "Campaign " + r.Campaign.Name
	p.printf("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	p.printf("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	p.printf("<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), style)
	p.printf("<header>\n<h1>%s</h1>\n<p>", esc(title))
	if !r.Campaign.From.IsZero() || !r.Campaign.To.IsZero() {
		p.printf("%s to %s · ", dateOr(r.Campaign.From, "start"), dateOr(r.Campaign.To, "now"))
	}
	p.printf("policy %s %s, sha256 <code>%s</code>", esc(r.Policy.Name), esc(r.Policy.Version), esc(short(r.Policy.Digest)))
	if len(r.Campaign.Focus) > 0 {
		p.printf(" · focus: %s (marked ★)", esc(strings.Join(r.Campaign.Focus, ", ")))
	}
	p.printf("</p>\n</header>\n<main>\n")
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func dateOr(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.Format(time.DateOnly)
}

// summary shows the campaign's counts as cards, with their table.
func (p *page) summary(r *enforcement.Report) {
	items := []struct {
		key, label string
		v          int
	}{
		{"cases", "group cases planned", r.Cases},
		{"skipped", "outside the window", r.Skipped},
		{"member_decisions", "member decisions", r.MemberDecisions},
		{"pending_review", "pending review", r.PendingReview},
		{"second_approvals", "second approvals needed", r.SecondApprovals},
	}
	p.printf("<section aria-label=\"summary\">\n<dl class=\"cards\">\n")
	for _, it := range items {
		p.printf("<div><dt>%s</dt><dd data-chart=\"summary\" data-row=\"campaign\" data-series=\"%s\" data-value=\"%d\">%s</dd></div>\n",
			esc(it.label), it.key, it.v, thousands(int64(it.v)))
	}
	p.printf("</dl>\n</section>\n")
}

// series is one kind of bar of a chart.
type series struct{ key, label string }

// row is one row of a chart: a label and a value per series.
type row struct {
	key, label string
	focus      bool
	values     []int64
}

// chart is a horizontal bar chart, stacked (the series of a row end to end)
// or grouped (a bar per series).
type chart struct {
	id, title, note string
	rowHead         string // the heading of the rows' column in the table
	series          []series
	rows            []row
	stacked         bool
	format          func(r row, v int64) string // the text of a value; thousands by default
}

func (c *chart) text(r row, v int64) string {
	if c.format != nil {
		return c.format(r, v)
	}
	return thousands(v)
}

const (
	svgWidth   = 1000
	labelWidth = 190
	valueWidth = 110
	barWidth   = svgWidth - labelWidth - valueWidth
)

func (p *page) chart(c *chart) {
	p.printf("<figure id=\"%s\" data-chart=\"%s\">\n<figcaption id=\"%s-title\">%s</figcaption>\n", c.id, c.id, c.id, esc(c.title))
	if c.note != "" {
		p.printf("<p>%s</p>\n", esc(c.note))
	}
	if len(c.series) > 1 {
		p.printf("<ul class=\"legend\" aria-hidden=\"true\">")
		for _, s := range c.series {
			p.printf("<li><span style=\"background:%s\"></span>%s</li>", colours[s.key], esc(s.label))
		}
		p.printf("</ul>\n")
	}
	var top int64
	for _, r := range c.rows {
		var sum int64
		for _, v := range r.values {
			sum += v
			if !c.stacked {
				top = max(top, v)
			}
		}
		if c.stacked {
			top = max(top, sum)
		}
	}
	scale := niceCeil(top)
	band := 30
	if !c.stacked {
		band = 16*len(c.series) + 14
	}
	height := band*len(c.rows) + 28
	p.printf("<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-labelledby=\"%s-title\">\n", svgWidth, height, svgWidth, height, c.id)
	// Grid lines and ticks.
	for i := 0; i <= 4; i++ {
		x := labelWidth + barWidth*i/4
		p.printf("<line class=\"axis\" x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\"/>", x, x, height-20)
		p.printf("<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, height-6, thousands(scale*int64(i)/4))
	}
	for i, r := range c.rows {
		y := i * band
		label := r.label
		cls := "label"
		if r.focus {
			label += " ★"
			cls += " focus"
		}
		p.printf("<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", cls, labelWidth-8, y+band/2+4, esc(label))
		x := float64(labelWidth)
		var sum int64
		for si, s := range c.series {
			v := r.values[si]
			sum += v
			w := float64(barWidth) * float64(v) / float64(scale)
			by, bh := float64(y+4), float64(band-8)
			if !c.stacked {
				x = labelWidth
				by, bh = float64(y+7+16*si), 13
			}
			tip := fmt.Sprintf("%s: %s %s", r.label, c.text(r, v), s.label)
			p.printf("<rect data-chart=\"%s\" data-row=\"%s\" data-series=\"%s\" data-value=\"%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
				c.id, esc(r.key), s.key, v, x, by, w, bh, colours[s.key], esc(tip))
			switch {
			case !c.stacked:
				p.printf("<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x+w+5, by+bh-2, esc(c.text(r, v)))
			case v > 0 && w >= float64(8*len(c.text(r, v))+6):
				fill := "inside"
				if s.key == "warned" || s.key == "untouched" {
					fill = "value"
				}
				p.printf("<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", fill, x+w/2, by+bh/2+4, esc(c.text(r, v)))
			}
			if c.stacked {
				x += w
			}
		}
		if c.stacked {
			p.printf("<text class=\"value\" x=\"%.1f\" y=\"%d\">%s</text>\n", x+6, y+band/2+4, esc(c.text(r, sum)))
		}
	}
	p.printf("</svg>\n")
	p.table(c)
	p.printf("</figure>\n")
}

func (p *page) table(c *chart) {
	p.printf("<table data-chart=\"%s\">\n<caption>%s, as a table</caption>\n<thead><tr><th scope=\"col\">%s</th>", c.id, esc(c.title), esc(c.rowHead))
	for _, s := range c.series {
		p.printf("<th scope=\"col\">%s</th>", esc(s.label))
	}
	p.printf("</tr></thead>\n<tbody>\n")
	for _, r := range c.rows {
		label := r.label
		if r.focus {
			label += " ★ (focus)"
		}
		p.printf("<tr><th scope=\"row\">%s</th>", esc(label))
		for si, s := range c.series {
			v := r.values[si]
			p.printf("<td data-chart=\"%s\" data-row=\"%s\" data-series=\"%s\" data-value=\"%d\">%s</td>", c.id, esc(r.key), s.key, v, esc(c.text(r, v)))
		}
		p.printf("</tr>\n")
	}
	p.printf("</tbody>\n</table>\n")
}

func (p *page) headline(r *enforcement.Report) {
	p.chart(&chart{
		id: "headline", title: "Focus categories and the others", rowHead: "categories",
		note:   "Groups closed and accounts banned, by whether the deciding violation's category is a focus of the campaign.",
		series: []series{{"groups_closed", "groups closed"}, {"accounts_banned", "accounts banned"}},
		rows: []row{
			{key: "focus", label: "focus categories", values: []int64{int64(r.Focus.GroupsClosed), int64(r.Focus.AccountsBanned)}},
			{key: "other", label: "other categories", values: []int64{int64(r.Other.GroupsClosed), int64(r.Other.AccountsBanned)}},
		},
	})
}

// Series of the group and account measures.
var (
	groupSeries   = []series{{"closed", "closed"}, {"suspended", "suspended"}, {"restricted", "restricted"}, {"warned", "warned"}, {"untouched", "untouched"}}
	accountSeries = []series{{"banned", "banned"}, {"suspended", "suspended"}, {"restricted", "restricted"}, {"warned", "warned"}, {"spared", "spared"}}
)

func groupValues(g enforcement.GroupTally) []int64 {
	return []int64{int64(g.Closed), int64(g.Suspended), int64(g.Restricted), int64(g.Warned), int64(g.Untouched)}
}

func accountValues(a enforcement.AccountTally) []int64 {
	return []int64{int64(a.Banned), int64(a.Suspended), int64(a.Restricted), int64(a.Warned), int64(a.Spared)}
}

func (p *page) categories(r *enforcement.Report) {
	groups := &chart{id: "groups", title: "Groups by measure, per category", rowHead: "category", series: groupSeries, stacked: true,
		note: "Each group counts once, under the category of the violation that decided its measure."}
	accounts := &chart{id: "accounts", title: "Accounts by measure, per category", rowHead: "category", series: accountSeries, stacked: true,
		note: "Members penalised, under the category of their deciding violation, and members spared, under their group's."}
	for _, c := range r.ByCategory {
		groups.rows = append(groups.rows, row{key: c.Category, label: c.Category, focus: c.Focus, values: groupValues(c.Groups)})
		accounts.rows = append(accounts.rows, row{key: c.Category, label: c.Category, focus: c.Focus, values: accountValues(c.Accounts)})
	}
	groups.rows = append(groups.rows, row{key: "total", label: "all categories", values: groupValues(r.Groups)})
	accounts.rows = append(accounts.rows, row{key: "total", label: "all categories", values: accountValues(r.Accounts)})
	p.chart(groups)
	p.chart(accounts)
}

func (p *page) roles(r *enforcement.Report) {
	c := &chart{
		id: "roles", title: "Members spared and penalised, by role", rowHead: "role", stacked: true,
		note:   "Ordinary members are spared unless they acted themselves; held penalties wait for a person to complete them.",
		series: []series{{"banned", "banned"}, {"suspended", "suspended"}, {"restricted", "restricted"}, {"warned", "warned"}, {"held", "held"}, {"spared", "spared"}},
	}
	for _, rt := range r.ByRole {
		a := rt.Accounts
		name := rt.Role.String()
		c.rows = append(c.rows, row{key: name, label: name, values: []int64{int64(a.Banned), int64(a.Suspended), int64(a.Restricted), int64(a.Warned), int64(a.Held), int64(a.Spared)}})
	}
	p.chart(c)
}

func (p *page) funds(r *enforcement.Report) {
	if len(r.FundsFrozen) == 0 {
		p.printf("<figure id=\"funds\" data-chart=\"funds\">\n<figcaption>Funds frozen, by currency</figcaption>\n<p>No funds were frozen.</p>\n</figure>\n")
		return
	}
	c := &chart{
		id: "funds", title: "Funds frozen, by currency", rowHead: "currency",
		note:   "Money in banned accounts, frozen and held for its holders, never forfeited. Each bar is in its own currency's minor units: lengths compare only within a currency.",
		series: []series{{"amount", "frozen"}},
		format: func(r row, v int64) string { return enforcement.Amount(r.key, v) },
	}
	for _, m := range r.FundsFrozen {
		c.rows = append(c.rows, row{key: m.Currency, label: m.Currency, values: []int64{m.Amount}})
	}
	p.chart(c)
}

// latency draws the histogram of detection to decision, with the report's
// quantiles marked.
func (p *page) latency(r *enforcement.Report, lat *Latencies) {
	l := r.Latency
	p.printf("<figure id=\"latency\" data-chart=\"latency\">\n<figcaption id=\"latency-title\">Detection to decision</figcaption>\n")
	p.printf("<p>The time from the earliest detection of a case's violations to its decision, over %s cases, in buckets that widen with time; the dashed lines mark the report's quantiles.</p>\n", thousands(int64(l.Cases)))
	quantiles := []struct {
		key string
		v   policy.Duration
	}{{"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"max", l.Max}}

	if lat != nil && lat.Cases() > 0 {
		buckets := lat.Buckets()
		lo, hi := 0, len(buckets)-1
		for lo < hi && buckets[lo].Count == 0 {
			lo++
		}
		for hi > lo && buckets[hi].Count == 0 {
			hi--
		}
		// The quantiles' buckets are drawn even when empty.
		for _, q := range quantiles {
			if l.Cases > 0 {
				b := bucketOf(time.Duration(q.v))
				lo, hi = min(lo, b), max(hi, b)
			}
		}
		shown := buckets[lo : hi+1]
		top := 0
		for _, b := range shown {
			top = max(top, b.Count)
		}
		scale := niceCeil(int64(top))
		const w, h, left, bottom, topPad = svgWidth, 300, 60, 40, 40
		plotW, plotH := w-left-20, h-bottom-topPad
		bw := float64(plotW) / float64(len(shown))
		p.printf("<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-labelledby=\"latency-title\">\n", w, h, w, h)
		for i := 0; i <= 4; i++ {
			y := float64(topPad) + float64(plotH)*(1-float64(i)/4)
			p.printf("<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", left, y, w-20, y)
			p.printf("<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left-6, y+4, thousands(scale*int64(i)/4))
		}
		for i, b := range shown {
			x := float64(left) + bw*float64(i)
			bh := float64(plotH) * float64(b.Count) / float64(scale)
			y := float64(topPad+plotH) - bh
			label := bucketLabel(b)
			p.printf("<rect data-chart=\"latency\" data-row=\"%s\" data-series=\"cases\" data-value=\"%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s cases</title></rect>\n",
				esc(label), b.Count, x+3, y, bw-6, bh, colours["cases"], esc(label), thousands(int64(b.Count)))
			if b.Count > 0 {
				p.printf("<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x+bw/2, y-4, thousands(int64(b.Count)))
			}
			p.printf("<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x+bw/2, h-bottom+16, esc(label))
		}
		if l.Cases > 0 {
			for qi, q := range quantiles {
				d := time.Duration(q.v)
				i := bucketOf(d) - lo
				b := shown[i]
				frac := 0.5
				if b.To > b.From {
					frac = float64(d-b.From) / float64(b.To-b.From)
				} else if l.Max > policy.Duration(b.From) {
					frac = float64(d-b.From) / float64(time.Duration(l.Max)-b.From)
				}
				frac = math.Min(math.Max(frac, 0), 1)
				x := float64(left) + bw*(float64(i)+frac)
				p.printf("<line class=\"quantile\" data-chart=\"latency\" data-quantile=\"%s\" data-value=\"%d\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"><title>%s %s</title></line>\n",
					q.key, int64(d/time.Second), x, topPad-4, x, topPad+plotH, q.key, q.v)
				p.printf("<text class=\"qlabel\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%s</text>\n", x-3, 9+8*qi, q.key)
			}
		}
		p.printf("</svg>\n")
		p.printf("<table data-chart=\"latency\">\n<caption>Detection to decision, as a table</caption>\n<thead><tr><th scope=\"col\">time</th><th scope=\"col\">cases</th></tr></thead>\n<tbody>\n")
		for _, b := range shown {
			label := bucketLabel(b)
			p.printf("<tr><th scope=\"row\">%s</th><td data-chart=\"latency\" data-row=\"%s\" data-series=\"cases\" data-value=\"%d\">%s</td></tr>\n", esc(label), esc(label), b.Count, thousands(int64(b.Count)))
		}
		p.printf("</tbody>\n</table>\n")
	}
	p.printf("<table data-chart=\"quantiles\">\n<caption>Quantiles of detection to decision</caption>\n<thead><tr><th scope=\"col\">quantile</th><th scope=\"col\">time</th></tr></thead>\n<tbody>\n")
	for _, q := range quantiles {
		p.printf("<tr><th scope=\"row\">%s</th><td data-chart=\"quantiles\" data-row=\"%s\" data-series=\"time\" data-value=\"%d\">%s</td></tr>\n", q.key, q.key, int64(time.Duration(q.v)/time.Second), q.v)
	}
	p.printf("</tbody>\n</table>\n</figure>\n")
}

// bucketLabel names a bucket as "6h–12h", "≤ 1h" or "> 90d".
func bucketLabel(b Bucket) string {
	switch {
	case b.From == 0:
		return "≤ " + durationLabel(b.To)
	case b.To == 0:
		return "> " + durationLabel(b.From)
	}
	return durationLabel(b.From) + "–" + durationLabel(b.To)
}

func durationLabel(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}

// niceCeil returns the top of a scale for values up to n: four times a
// round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten), so
// that the four ticks are whole numbers.
func niceCeil(n int64) int64 {
	need := max((n+3)/4, 1)
	for pow := int64(1); ; pow *= 10 {
		for _, tenths := range []int64{10, 15, 20, 25, 30, 40, 50, 60, 80} {
			if tenths*pow%10 != 0 {
				continue
			}
			if step := tenths * pow / 10; step >= need {
				return 4 * step
			}
		}
	}
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
