package enforcement

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"time"

	"github.com/groupwarden/warden/policy"
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

// InWindow reports whether a case's time falls in [From, To): the cases a
// campaign plans; the others it counts as skipped.
func (c Campaign) InWindow(t time.Time) bool {
	return (c.From.IsZero() || !t.Before(c.From)) && (c.To.IsZero() || t.Before(c.To))
}

// RunOption configures Run.
type RunOption func(*runOptions)

type runOptions struct {
	workers    int
	each       func(*Plan) error
	accounts   func(*AccountPlan) error
	measures   func(AccountMeasure) error
	shard      int
	shards     int
	every      int
	checkpoint func(*Checkpoint) error
	resume     *Checkpoint
}

// WithWorkers sets how many cases are planned in parallel (default: GOMAXPROCS).
// Plans reach the report and the callback in the order of the cases whatever
// the number of workers. It uses at most MaxWorkers.
func WithWorkers(n int) RunOption {
	return func(o *runOptions) { o.workers = min(max(1, n), MaxWorkers) }
}

// WithPlans calls each with the group part of every plan (see [SplitPlan]),
// in the order of the cases; an error it returns stops the run. The plan is
// valid until each returns, after which the campaign reuses its storage: to
// keep a plan, keep its Clone.
func WithPlans(each func(*Plan) error) RunOption { return func(o *runOptions) { o.each = each } }

// WithAccountPlans calls each, once every case is planned, with the one
// plan of every account a group plan measured, in the order of the
// accounts; an error it returns stops the run.
func WithAccountPlans(each func(*AccountPlan) error) RunOption {
	return func(o *runOptions) { o.accounts = each }
}

// WithMeasures hands every account measure to each, in the order of the
// cases, instead of reconciling them in the run: for a shard of a campaign
// whose accounts are reconciled once all shards are done (add them to a
// [Reconciler], then call [Planner.Reconcile]). The report then counts the
// groups and members only. A measure shares the holdings, violations,
// histories and evidence of its case: treat it, like the case, as
// read-only.
func WithMeasures(each func(AccountMeasure) error) RunOption {
	return func(o *runOptions) { o.measures = each }
}

// WithShard runs shard k of n: only the cases whose group [ShardOf] puts
// in shard k are planned (or skipped); the others are not counted at all.
// The reports of the n shards merge into the report of one run.
func WithShard(k, n int) RunOption { return func(o *runOptions) { o.shard, o.shards = k, n } }

// WithCheckpoints calls save with a checkpoint after every n plans
// delivered, and once more when the run stops before its end (cancelled,
// or stopped by an error), so that [WithResume] can go on from there. An
// error save returns stops the run. A checkpoint carries every account
// measure not yet reconciled, so its size grows with the penalised accounts
// seen so far: save seldom, or hand the measures on with [WithMeasures] to
// a store of their own, which keeps checkpoints small.
func WithCheckpoints(n int, save func(*Checkpoint) error) RunOption {
	return func(o *runOptions) { o.every, o.checkpoint = max(1, n), save }
}

// WithResume resumes a run from a checkpoint of the same campaign and
// shard over the same cases: the cases it covers are neither planned nor
// delivered again, and the report goes on from the checkpoint's. A run
// resumes with [WithMeasures] exactly when the checkpoint's did: else the
// measures before the checkpoint would be lost, and Run refuses.
func WithResume(cp *Checkpoint) RunOption { return func(o *runOptions) { o.resume = cp } }

// Checkpoint is how far a run got: every case before Position was planned
// and delivered, the report counts them, and Measures holds the account
// measures not yet reconciled (none when [WithMeasures] hands them on). It
// is plain data: store it as JSON.
type Checkpoint struct {
	Campaign string `json:"campaign"`
	Shard    int    `json:"shard"`
	Shards   int    `json:"shards"`
	// Position counts the cases of the stream consumed, those of other
	// shards included.
	Position int              `json:"position"`
	Report   *Report          `json:"report"`
	Measures []AccountMeasure `json:"measures,omitempty"`
	// HandedOn marks a run that handed its measures on with
	// [WithMeasures]: they are in the caller's store, not in Measures, and
	// only a run that hands them on too may resume from it.
	HandedOn bool `json:"handed_on,omitempty"`
}

// ShardOf returns the shard, of n, of a group: a hash of its id (FNV-1a),
// so every run, machine and pipeline stage agrees on it.
func ShardOf(group string, n int) int {
	if n <= 1 {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := range len(group) {
		h ^= uint64(group[i])
		h *= 1099511628211
	}
	return int(h % uint64(n))
}

// Run plans every case of a campaign, reconciles the measures against
// accounts into one plan per account ([Planner.ReconcileAccount]) and
// returns the campaign's report. Cases stream through: memory grows with
// the accounts penalised, not with the cases or their members. Cases
// outside the window are counted as skipped.
//
// A run that stops early returns the partial report of the plans it
// delivered (group figures only: accounts are reconciled at the end) with
// its error: the first malformed case stops it with an error naming its
// position and group; a cancelled context with an error naming the cause
// and how many cases were delivered.
//
// Run reads the cases on a goroutine of its own and plans them ahead of
// their delivery: with w workers, at most 16w+25 cases and their plans are
// in memory at once. It returns only once it has stopped reading them, so
// a source that waits for something of the run (the plan of a case it
// gave, through the callback) must also stop waiting by itself: a run that
// stops early delivers nothing more. A panic of the source, or of the
// planning of a case, stops the run and is raised again on the goroutine
// that called Run, as a [*GoroutinePanic], once the run's goroutines have
// returned: a recover there sees it. The callbacks run on that goroutine.
func (p *Planner) Run(ctx context.Context, c Campaign, cases iter.Seq[GroupCase], opts ...RunOption) (*Report, error) {
	for _, f := range c.Focus {
		if _, ok := p.engine.Category(f); !ok {
			return nil, fmt.Errorf("campaign %s: focus category %q is not in the policy's catalogue", c.Name, f)
		}
	}
	o := runOptions{workers: runtime.GOMAXPROCS(0), shards: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if o.shards < 1 || o.shard < 0 || o.shard >= o.shards {
		return nil, fmt.Errorf("campaign %s: shard %d of %d does not exist", c.Name, o.shard, o.shards)
	}
	r := NewReport(c, p.engine)
	rec := NewReconciler()
	start := 0
	if cp := o.resume; cp != nil {
		if cp.Campaign != c.Name || cp.Shard != o.shard || cp.Shards != o.shards || cp.Report == nil {
			return nil, fmt.Errorf("campaign %s, shard %d of %d: cannot resume from a checkpoint of campaign %s, shard %d of %d",
				c.Name, o.shard, o.shards, cp.Campaign, cp.Shard, cp.Shards)
		}
		// A run that reconciles would lose the measures handed on before
		// the checkpoint, and one that hands them on those it holds.
		switch handsOn := o.measures != nil; {
		case cp.HandedOn && !handsOn:
			return nil, fmt.Errorf("campaign %s: cannot resume without WithMeasures from a checkpoint of a run that handed its measures on with it: the measures before the checkpoint would be lost", c.Name)
		case handsOn && len(cp.Measures) > 0:
			return nil, fmt.Errorf("campaign %s: cannot resume with WithMeasures from a checkpoint that holds %d measures to reconcile: they would be lost", c.Name, len(cp.Measures))
		}
		if err := r.Merge(cp.Report); err != nil {
			return nil, fmt.Errorf("campaign %s: resuming: %w", c.Name, err)
		}
		for _, m := range cp.Measures {
			_ = rec.Add(m)
		}
		start = cp.Position
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	// Run returns only once its goroutines have: nothing calls the cases
	// iterator after Run returns, however the run ends. A panic on one of
	// them is raised again here, on the caller's.
	var wg sync.WaitGroup
	pn := newPanics(cancel)
	defer func() {
		cancel()
		wg.Wait()
		pn.raise()
	}()

	// Cases travel in batches, so that the channels, and the wake-ups of
	// idle workers they cost, are paid once per batch rather than once per
	// case: with one case a slot, two workers kept 1.5 of 2 cores busy,
	// with 8 a batch 1.75. They are delivered in order, so the batches
	// planned ahead of the one delivery waits for let the other workers go
	// on while a large case is planned: with cases of 3 to 40 members, two
	// batches per worker keep them busy; more hold more plans in memory
	// for little more.
	window := 2 * o.workers
	jobs := make(chan *batch, window)
	order := make(chan *batch, window)
	// Batches, with the slots and plans in them, are recycled once
	// reported, so a campaign allocates little beyond what its plans keep.
	// There are never more in flight than order holds (the workers' among
	// them), one the delivery holds and one being gathered: 2w+2 batches of
	// 8, beside the 8 cases waiting in in and the one the source holds.
	free := make(chan *batch, window+o.workers+2)
	// The source is read on a goroutine of its own, and the batches are
	// made on another as the cases come: a batch goes as soon as no case
	// waits, full or not, so a slow source, or one that waits for the plans
	// of the cases it gave, is never kept waiting for a batch to fill.
	in := make(chan pulled, batchSize)
	wg.Go(func() {
		defer close(in)
		defer pn.catch()
		pos := 0
		for gc := range cases {
			if ctx.Err() != nil {
				return
			}
			if pos++; pos <= start || ShardOf(gc.Group.ID, o.shards) != o.shard {
				continue
			}
			select {
			case in <- pulled{gc, pos}:
			case <-ctx.Done():
				return
			}
		}
	})
	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		defer pn.catch()
		for first := range in {
			var bt *batch
			select {
			case bt = <-free:
			default:
				bt = &batch{done: make(chan struct{}, 1)}
			}
			bt.gather(first, in)
			select {
			case order <- bt:
			case <-ctx.Done():
				return
			}
			jobs <- bt // the workers drain jobs until it closes
		}
	})
	for range o.workers {
		wg.Go(func() {
			w := workPool.Get().(*work)
			w.split = true // the group parts are built apart from the measures
			defer func() {
				if !pn.seen() { // a work left half-way by a panic is not pooled
					w.release()
				}
			}()
			for bt := range jobs {
				p.planBatch(ctx, c, bt, w, pn)
			}
		})
	}

	delivered, pos := 0, start
	recycle := func(bt *batch) {
		bt.recycle()
		select {
		case free <- bt:
		default:
		}
	}
	checkpoint := func() error {
		if o.checkpoint == nil {
			return nil
		}
		cp := &Checkpoint{Campaign: c.Name, Shard: o.shard, Shards: o.shards, Position: pos, Report: NewReport(c, p.engine), HandedOn: o.measures != nil}
		_ = cp.Report.Merge(r) // the same campaign and policy
		if o.measures == nil {
			cp.Measures = rec.Measures()
		}
		return o.checkpoint(cp)
	}
	// stop ends the run early with the partial report and a last checkpoint.
	stop := func(err error) (*Report, error) {
		cancel()
		r.refresh()
		if cerr := checkpoint(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("campaign %s: saving the checkpoint: %w", c.Name, cerr))
		}
		return r, err
	}
	stopped := func() error {
		return fmt.Errorf("campaign %s: stopped after %d cases delivered: %w", c.Name, delivered, context.Cause(parent))
	}
	for bt := range order {
		if pn.wait(bt.done) {
			return nil, nil // the deferred raise panics
		}
		for _, s := range bt.slots {
			switch {
			case parent.Err() != nil:
				return stop(stopped())
			case s.err != nil:
				return stop(fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, s.pos, s.gc.Group.ID, s.err))
			case s.skipped:
				r.Skipped++
				pos = s.pos
				continue
			}
			// The plan counts once it is delivered whole: a case stopped half-way
			// is planned again on resume, and its measures, kept once by plan and
			// account, are not counted twice.
			gp := &s.plan
			if err := r.checkFreezes(gp); err != nil {
				return stop(fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, s.pos, s.gc.Group.ID, err))
			}
			if o.each != nil {
				if err := o.each(gp); err != nil {
					return stop(fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, s.pos, s.gc.Group.ID, err))
				}
			}
			if o.measures == nil {
				rec.addAll(s.measures)
			} else {
				for i := range s.measures {
					if err := o.measures(s.measures[i]); err != nil {
						return stop(fmt.Errorf("campaign %s: case %d (group %s): %w", c.Name, s.pos, s.gc.Group.ID, err))
					}
				}
			}
			r.addPlan(gp)
			delivered++
			pos = s.pos
			if o.checkpoint != nil && delivered%o.every == 0 {
				if err := checkpoint(); err != nil {
					return stop(fmt.Errorf("campaign %s: saving the checkpoint: %w", c.Name, err))
				}
			}
		}
		recycle(bt)
	}
	if parent.Err() != nil {
		return stop(stopped())
	}
	if o.measures == nil {
		// Accounts count apart until all are reconciled, so that a run
		// stopped while reconciling resumes from the groups' report.
		accounts := NewReport(c, p.engine)
		if err := p.reconcile(parent, c, rec, accounts, o.accounts, o.workers); err != nil {
			return stop(err)
		}
		_ = r.Merge(accounts) // the same campaign and policy
	}
	r.refresh()
	return r, nil
}

// planBatch plans the cases of a batch on a worker of Run, with its work
// w, and tells the delivery the batch is done, even when planning panics:
// the panic is recorded in pn for Run to raise, which stops the run.
func (p *Planner) planBatch(ctx context.Context, c Campaign, bt *batch, w *work, pn *panics) {
	defer func() { bt.done <- struct{}{} }()
	defer pn.catch() // first
	for _, s := range bt.slots {
		switch {
		case ctx.Err() != nil:
			// The delivery stops at the first case of a batch whose
			// context ended; the rest is not planned.
			s.err = ctx.Err()
		case !c.InWindow(s.gc.Now):
			s.skipped = true
		default:
			if testHookPlan != nil {
				testHookPlan(s.gc)
			}
			w.undos = &s.undo
			if s.err = p.planInto(ctx, s.gc, &s.plan, w); s.err == nil {
				// The measures are taken here, beside the plan's indexes,
				// which keeps the delivery of the plans short.
				s.measures = appendMeasures(&s.plan, s.measures[:0], w, true)
				s.decided = s.plan.Decisions
				s.plan.Decisions = s.plan.Decisions[:0]
			}
		}
	}
}

// testHookPlan, set by tests only, sees each case a worker of Run is
// about to plan.
var testHookPlan func(GroupCase)

// slot carries one case of a campaign from the stream to a worker, and
// its plan and measures from the worker to the delivery, in the order of
// the cases.
type slot struct {
	gc  GroupCase
	pos int // the case's place in the stream, from 1
	// skipped is set for a case outside the window, err for one that
	// could not be planned.
	skipped bool
	err     error
	plan    Plan
	// decided is the decisions the plan held before its measures took
	// them, for recycle to clear whatever the callback did with the plan.
	decided  []policy.Decision
	undo     []Action // the room of the plan's undo actions
	measures []AccountMeasure
}

// pulled is a case as the source gave it, with its place in the stream,
// from 1.
type pulled struct {
	gc  GroupCase
	pos int
}

// maxKeptSlotCase is the most members, and violations, of a case whose
// plan's room a slot keeps for the next case.
const maxKeptSlotCase = 1024

// batch is a run of consecutive slots, which travel together.
type batch struct {
	slots []*slot
	// room holds the slots of earlier uses, for next to hand out again.
	room []*slot
	done chan struct{}
}

// batchSize is how many cases travel in one batch.
const batchSize = 8

// next appends a slot to the batch, one of its earlier ones if it has one.
func (bt *batch) next() *slot {
	n := len(bt.slots)
	if n < len(bt.room) {
		bt.slots = bt.room[:n+1]
	} else {
		bt.room = append(bt.room[:n], &slot{})
		bt.slots = bt.room
	}
	return bt.slots[n]
}

// gather fills the batch with first and the cases that wait in in, up to
// batchSize: it never waits for one.
func (bt *batch) gather(first pulled, in <-chan pulled) {
	for pc, more := first, true; more; {
		s := bt.next()
		s.gc, s.pos = pc.gc, pc.pos
		if len(bt.slots) == batchSize {
			return
		}
		select {
		case pc, more = <-in:
		default:
			return
		}
	}
}

// recycle drops what the batch's slots hold of their cases, keeping their
// storage.
func (bt *batch) recycle() {
	for _, s := range bt.slots {
		s.recycle()
	}
	bt.slots = bt.slots[:0]
}

// recycle drops what the slot holds of its case, keeping its storage.
func (s *slot) recycle() {
	if len(s.gc.Members) > maxKeptSlotCase || len(s.gc.Violations) > maxKeptSlotCase {
		// The room of a large case goes: the many slots of a run keep
		// only what modest cases need.
		*s = slot{}
		return
	}
	s.gc, s.pos, s.skipped, s.err = GroupCase{}, 0, false, nil
	// The plan keeps the room of its lists and nothing of its case: the
	// decisions' matches may number the case's leaders times its
	// violations. The room past what the case used was cleared when it was
	// last recycled, so clearing what it used leaves all of it clear; held
	// decisions are few, and cleared to the room's end, in case the
	// callback shortened them.
	p := &s.plan
	clear(p.Held[:cap(p.Held)])
	*p = Plan{Decisions: emptied(s.decided), Held: p.Held[:0], Actions: p.Actions[:0], Obligations: p.Obligations[:0],
		Spared: p.Spared[:0], Notices: p.Notices[:0], PendingReview: p.PendingReview[:0]}
	s.decided = nil
	clear(s.undo[:cap(s.undo)]) // written by the builder past its length
	s.measures = emptied(s.measures)
}

// emptied clears the elements of s and returns it with no length, so that
// its room keeps nothing alive.
func emptied[T any](s []T) []T {
	clear(s)
	return s[:0]
}
