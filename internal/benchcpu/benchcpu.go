// Package benchcpu reports the CPU time of a benchmark per operation, which
// other loads on a shared machine skew less than the wall time that
// ns/op measures. Only benchmarks import it.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Report starts counting the process's CPU time (user and system, every
// thread: the collector included); the function it returns reports it per
// operation as cpu-ns/op. Call it as defer benchcpu.Report(b)().
func Report(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
