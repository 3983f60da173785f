//go:build unix

package enforcement_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system: on a
// shared machine, throughput per CPU-second is the figure per core that
// other loads do not skew.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
