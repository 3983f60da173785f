package main

import (
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/reporthtml"
)

// writeReportHTML writes the report as an HTML page to o and closes it.
func writeReportHTML(o *outputFile, r *enforcement.Report, lat *reporthtml.Latencies) error {
	if err := reporthtml.Write(o.w, r, lat); err != nil {
		o.close()
		return err
	}
	return o.close()
}
