package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
)

// campaign -html writes the page of the report -json prints, with the
// histogram of every case the report's latency counts.
func TestCampaignHTML(t *testing.T) {
	page := filepath.Join(t.TempDir(), "report.html")
	var out, errs bytes.Buffer
	require.Equal(t, exitOK, run([]string{"campaign", "-json", "-html", page, sample}, nil, &out, &errs), errs.String())
	var report enforcement.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &report))
	html, err := os.ReadFile(page)
	require.NoError(t, err)

	cases := regexp.MustCompile(`data-series="cases" data-value="(\d+)"`).FindStringSubmatch(string(html))
	require.NotNil(t, cases)
	assert.Equal(t, strconv.Itoa(report.Cases), cases[1])
	total := 0
	for _, m := range regexp.MustCompile(`<rect data-chart="latency" [^>]*data-value="(\d+)"`).FindAllStringSubmatch(string(html), -1) {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	assert.Equal(t, report.Latency.Cases, total)

	// The text report is unchanged by -html.
	var text, plain bytes.Buffer
	require.Equal(t, exitOK, run([]string{"campaign", "-html", page, sample}, nil, &text, &errs))
	require.Equal(t, exitOK, run([]string{"campaign", sample}, nil, &plain, &errs))
	assert.Equal(t, plain.String(), text.String())

	errs.Reset()
	out.Reset()
	assert.Equal(t, exitUsage, run([]string{"campaign", "-html", filepath.Join(t.TempDir(), "no", "such", "dir.html"), sample}, nil, &out, &errs))
	assert.Empty(t, out.String(), "a page that cannot be written stops the campaign before it runs")
	assert.Contains(t, errs.String(), "warden campaign: -html: ")
}
