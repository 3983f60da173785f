package enforcement

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Campaign is a named enforcement run over many groups: a time window and
// the categories it focuses on. The zero From or To leaves the window open
// on that side.
type Campaign struct {
	Name string    `json:"name"`
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Focus names the categories the campaign reports on apart; they must
	// be in the policy's catalogue.
	Focus []string `json:"focus,omitempty"`
}

// inWindow reports whether a case's time falls in [From, To).
func (c Campaign) inWindow(t time.Time) bool {
	return (c.From.IsZero() || !t.Before(c.From)) && (c.To.IsZero() || t.Before(c.To))
}

// RunOption configures Run.
type RunOption func(*runOptions)

type runOptions struct {
	workers int
	each    func(*Plan) error
}

// WithWorkers sets how many cases are planned in parallel (default: GOMAXPROCS).
// Plans reach the report and the callback in the order of the cases whatever
// the number of workers. It uses at most MaxWorkers.
func WithWorkers(n int) RunOption {
	return func(o *runOptions) { o.workers = min(max(1, n), MaxWorkers) }
}

// WithPlans calls each with every plan, in the order of the cases; an error
// it returns stops the run. The plan is valid until each returns, after which
// the campaign reuses its storage: to keep a plan, keep its Clone.
func WithPlans(each func(*Plan) error) RunOption { return func(o *runOptions) { o.each = each } }

// Run plans every case of a campaign and returns its report. Cases stream
// through: memory does not grow with their number. Cases outside the
// window are counted as skipped. The first malformed case stops the run
// with an error naming its position.
func (p *Planner) Run(ctx context.Context, c Campaign, cases iter.Seq[GroupCase], opts ...RunOption) (*Report, error) {
	for _, f := range c.Focus {
		if _, ok := p.engine.Category(f); !ok {
			return nil, fmt.Errorf("campaign %s: focus category %q is not in the policy's catalogue", c.Name, f)
		}
	}
	o := runOptions{workers: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(ctx)
	// Run returns only once its goroutines have: nothing calls the cases
	// iterator after Run returns, however the run ends.
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	type result struct {
		plan *Plan
		err  error
	}
	type job struct {
		gc  GroupCase
		out chan result
	}
	window := 4 * o.workers
	jobs := make(chan job, window)
	order := make(chan job, window)
	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		for gc := range cases {
			if ctx.Err() != nil {
				return
			}
			j := job{gc: gc, out: make(chan result, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			jobs <- j // the workers drain jobs until it closes
		}
	})
	// Plans are recycled once reported, so a campaign allocates little
	// beyond what its decisions need.
	var plans sync.Pool
	for range o.workers {
		wg.Go(func() {
			for j := range jobs {
				if !c.inWindow(j.gc.Now) {
					j.out <- result{}
					continue
				}
				plan, _ := plans.Get().(*Plan)
				if plan == nil {
					plan = &Plan{}
				}
				if err := p.planInto(ctx, j.gc, plan); err != nil {
					j.out <- result{err: err}
					continue
				}
				j.out <- result{plan: plan}
			}
		})
	}

	r := newTally(c, p.engine)
	n := 0
	for j := range order {
		res := <-j.out
		n++
		switch {
		case res.err != nil:
			cancel()
			return nil, fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, n, j.gc.Group.ID, res.err)
		case res.plan == nil:
			r.report.Skipped++
			continue
		}
		r.add(j.gc, res.plan)
		if o.each != nil {
			if err := o.each(res.plan); err != nil {
				cancel()
				return nil, fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, n, j.gc.Group.ID, err)
			}
		}
		plans.Put(res.plan)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.finish(), nil
}

// Cases adapts a slice of cases to the iterator Run takes.
func Cases(cs []GroupCase) iter.Seq[GroupCase] { return slices.Values(cs) }
