package enforcement

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// panics carries the first panic of a run's goroutines (the source of
// cases, the workers) to the goroutine that called the run, where raise
// panics with it again once every goroutine of the run has returned: a
// recover of the caller's sees it, where a panic left on a goroutine of
// the run would end the whole process. The run stops at once: record
// cancels its context.
type panics struct {
	first  atomic.Pointer[GoroutinePanic]
	cancel context.CancelFunc
	// stopped is closed at the first panic, for a caller that waits on
	// what the goroutine that panicked would have sent.
	stopped chan struct{}
}

func newPanics(cancel context.CancelFunc) *panics {
	return &panics{cancel: cancel, stopped: make(chan struct{})}
}

// record keeps v, the value a goroutine of the run recovered, unless an
// earlier panic is kept, and stops the run.
func (p *panics) record(v any) {
	if p.first.CompareAndSwap(nil, &GoroutinePanic{Value: v, Stack: debug.Stack()}) {
		close(p.stopped)
	}
	p.cancel()
}

// wait waits for done, or for a panic of the run, and reports whether
// there was one: what done would have told may then never come.
func (p *panics) wait(done <-chan struct{}) (panicked bool) {
	select {
	case <-done:
	case <-p.stopped:
	}
	return p.seen()
}

// catch, deferred by a goroutine of the run, records its panic.
func (p *panics) catch() {
	if v := recover(); v != nil {
		p.record(v)
	}
}

// seen reports whether a goroutine of the run panicked.
func (p *panics) seen() bool { return p.first.Load() != nil }

// raise panics with the panic recorded, if any.
func (p *panics) raise() {
	if g := p.first.Load(); g != nil {
		panic(g)
	}
}

// GoroutinePanic is what [Planner.Run] and [Planner.Reconcile] panic with
// when one of the goroutines they start panics (the one that reads the
// cases iterator, or one that plans): the value it panicked with and its
// stack. They raise it on the goroutine that called them once the run's
// goroutines have all returned, so that a recover there sees it.
type GoroutinePanic struct {
	Value any
	Stack []byte
}

// Error says what the goroutine panicked with, and where.
func (g *GoroutinePanic) Error() string {
	return fmt.Sprintf("enforcement: a goroutine of the run panicked: %v\n\n%s", g.Value, g.Stack)
}

// Unwrap returns the value panicked with when it is an error.
func (g *GoroutinePanic) Unwrap() error {
	err, _ := g.Value.(error)
	return err
}
