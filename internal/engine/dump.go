package engine

import (
	"sync"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Stacks in findings. The only way to see another goroutine's stack is a
// dump of all goroutines (runtime.Stack), which stops the world for a time
// that grows with their number: tens of milliseconds with ten thousand.
// So a finding is built under the engine's locks without stacks, and
// given them in deliver, with no engine lock held, from a dump shared by
// the findings of a while: a goroutine that has waited in the same wait
// since before a dump still has the stack that dump shows. A new dump is
// taken only when a finding needs one (a goroutine that runs, or that
// began its wait after the last dump) and the dumps so far have taken at
// most a small share of the time; otherwise a waiting goroutine is shown
// at the site of its wait, and a running one without a stack.

// The time spent dumping is bounded by a budget that grows with the time
// that passes, by 1/dumpShare of it, up to dumpBurst: a few findings at
// once get a fresh dump each, a flood of them shares one now and then.
const (
	dumpShare = 50
	dumpBurst = 200 * time.Millisecond
)

// dumpView is a dump of all goroutines.
type dumpView struct {
	at time.Time
	gs map[int64]*rt.Goroutine
}

var dumps struct {
	mu     sync.Mutex // held while dumping: findings that need one share it
	last   *dumpView
	credit time.Duration // time left for dumps
	since  time.Time     // when credit was last updated
	taken  int64         // dumps taken
}

// current returns the last dump, or a new one if need says the last does
// not do and a new one may be taken now.
func currentDump(need func(*dumpView) bool) *dumpView {
	dumps.mu.Lock()
	defer dumps.mu.Unlock()
	v := dumps.last
	now := time.Now()
	if dumps.since.IsZero() {
		dumps.credit = dumpBurst
	} else {
		dumps.credit = min(dumpBurst, dumps.credit+now.Sub(dumps.since)/dumpShare)
	}
	dumps.since = now
	if v != nil && (!need(v) || dumps.credit <= 0) {
		return v
	}
	gs := rt.AllStacks()
	end := time.Now()
	v = &dumpView{at: now, gs: gs}
	dumps.last = v
	dumps.taken++
	dumps.credit -= end.Sub(now)
	return v
}

// stackOf returns the dump's goroutine gr if the dump shows its current
// stack: it has waited, in the wait gr describes, since before the dump.
func (v *dumpView) stackOf(gr *waitgraph.Goroutine) *rt.Goroutine {
	if v == nil || gr.Wait == nil || gr.Wait.Since.IsZero() || !gr.Wait.Since.Before(v.at) {
		return nil
	}
	return v.gs[gr.ID]
}

// A jobView is a dump as one finding sees it.
type jobView struct {
	*dumpView
	fresh bool // taken after the finding was built
}

// exited reports whether the dump proves that goroutine id, which the
// finding shows, had exited when it was taken: the dump was taken after
// the finding was built and does not show it. (Goroutine ids do not tell
// which goroutine is older: each processor takes them in batches.)
func (v jobView) exited(id int64) bool {
	return v.fresh && id > 0 && v.gs[id] == nil
}

// late holds the findings built under the engine's locks that are still
// to be given stacks, and how.
var late struct {
	mu sync.Mutex
	m  map[*report.Finding]lateJob
}

type lateJob struct {
	built  time.Time
	finish func(jobView)
}

// stacksLater makes deliver give f's goroutines their stacks, then call
// finish, if not nil, with the dump used.
func stacksLater(f *report.Finding, finish func(jobView)) {
	late.mu.Lock()
	if late.m == nil {
		late.m = make(map[*report.Finding]lateJob)
	}
	late.m[f] = lateJob{time.Now(), finish}
	late.mu.Unlock()
}

// giveStacks gives the findings in fs that stacksLater named their
// goroutines' stacks. Called with no engine lock held.
func giveStacks(fs []*report.Finding) {
	late.mu.Lock()
	type job struct {
		f *report.Finding
		lateJob
	}
	var jobs []job
	for _, f := range fs {
		if j, ok := late.m[f]; ok {
			jobs = append(jobs, job{f, j})
			delete(late.m, f)
		}
	}
	late.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	// shows returns the dump's goroutine gr, if the dump shows it as it
	// is in the finding: dumped after the finding was built, or, for a
	// goroutine that has waited since before the dump, in that wait.
	shows := func(v jobView, gr *waitgraph.Goroutine) *rt.Goroutine {
		if v.fresh {
			return v.gs[gr.ID]
		}
		return v.stackOf(gr)
	}
	view := func(v *dumpView, j job) jobView { return jobView{v, !v.at.Before(j.built)} }
	need := func(v *dumpView) bool {
		for _, j := range jobs {
			jv := view(v, j)
			for _, gr := range j.f.Goroutines {
				if gr.ID > 0 && !jv.fresh && shows(jv, gr) == nil {
					return true
				}
			}
		}
		return false
	}
	v := currentDump(need)
	for _, j := range jobs {
		jv := view(v, j)
		for _, gr := range j.f.Goroutines {
			if gr.ID <= 0 {
				continue
			}
			switch d := shows(jv, gr); {
			case d != nil:
				gr.Stack = userFrames(d.Frames)
				gr.State = state(gr, d)
			case gr.Wait != nil && gr.Stack == nil:
				gr.Stack = gr.Wait.Stack
				gr.State = "blocked"
			}
		}
		if j.finish != nil {
			j.finish(jv)
		}
	}
}

// off reports whether findings of kind k are not reported: they are not
// even built.
func off(k report.Kind) bool {
	o := e.opts.Load()
	if o == nil {
		return false
	}
	for _, x := range o.Off {
		if x == k {
			return true
		}
	}
	return false
}

// longWaitOff reports whether no finding longWaitFinding could build for
// r is reported: long-wait, and what a long wait may turn out to be.
func longWaitOff(r *waitRec) bool {
	if !off(report.LongWait) {
		return false
	}
	if r.lock() != nil {
		return off(report.LockLeak)
	}
	return off(report.PartialDeadlock)
}
