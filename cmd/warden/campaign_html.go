package main

import (
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/reporthtml"
)

// writeReportHTML writes the report as an HTML page to path.
func writeReportHTML(path string, r *enforcement.Report, lat *reporthtml.Latencies) error {
	o, err := createOutput(path)
	if err != nil {
		return err
	}
	if err := reporthtml.Write(o.w, r, lat); err != nil {
		o.close()
		return err
	}
	return o.close()
}
