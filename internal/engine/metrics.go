package engine

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Per-class metrics for the live view: acquisitions, contended
// acquisitions, and histograms of wait and hold times. They cost nothing
// until EnableMetrics is first called (the live view's first request):
// before that, the lock paths load one flag. After, an uncontended Lock
// leaves the inlined fast path for Acquired, which counts it; a
// contended acquisition's wait is timed; and one write hold in
// holdSample is timed from its acquisition to its release (reading the
// clock costs more than the rest). Read holds are counted, not timed: a
// lock's readers share its record.

// metricsOn is set once metrics are collected.
var metricsOn atomic.Bool

// EnableMetrics starts collecting per-class metrics. It cannot be undone.
func EnableMetrics() {
	metricsOn.Store(true)
	setSlowAcquire()
}

// slowAcquire is set when the uncontended path must go through Acquired:
// goroutine ids from rt.Enter are not valid, or metrics are collected.
// One flag, so that Lock.Fast loads one word for both.
var slowAcquire atomic.Bool

// MetricsEnabled reports whether per-class metrics are collected.
func MetricsEnabled() bool { return metricsOn.Load() }

// clock0 is the origin of monotonic times in nanoseconds (mono).
var clock0 = time.Now()

func mono() int64 { return int64(time.Since(clock0)) }

// HistogramBounds are the upper bounds, in seconds, of the buckets of the
// wait-time and hold-time histograms; a last bucket takes the rest.
var HistogramBounds = []float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10}

// boundsNS is HistogramBounds in nanoseconds.
var boundsNS = [...]int64{1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}

// histogram is a histogram of durations.
type histogram struct {
	buckets [len(boundsNS) + 1]atomic.Int64 // not cumulative
	sum     atomic.Int64                    // nanoseconds
}

func (h *histogram) observe(ns int64) {
	ns = max(ns, 0)
	i := 0
	for i < len(boundsNS) && ns > boundsNS[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sum.Add(ns)
}

// classStats are the metrics of the lock classes of one label.
type classStats struct {
	label        string
	kind         waitgraph.ResourceKind
	acquisitions atomic.Int64
	contended    atomic.Int64
	wait, hold   histogram
}

// maxStatLabels bounds the labels metrics are kept for; classes beyond
// share one entry, labelled "(other)".
const maxStatLabels = 4096

var statsReg struct {
	mu      sync.Mutex
	byLabel map[string]*classStats
	list    []*classStats
	other   *classStats
}

// stats returns c's metrics, creating them on first use: a lock's own
// class (a lock with neither name nor declaration) is labelled by its kind
// and the site of its first use, so that the locks of one allocation site
// share them.
func (c *Class) statsOf() *classStats {
	if s := c.stats.Load(); s != nil {
		return s
	}
	label := c.className()
	if label == "" {
		label = string(c.kind)
		if f := frameOf(c.site); f != nil {
			label = fmt.Sprintf("%s@%s", c.kind, f.Pos())
		}
	}
	statsReg.mu.Lock()
	defer statsReg.mu.Unlock()
	if statsReg.byLabel == nil {
		statsReg.byLabel = make(map[string]*classStats)
	}
	s := statsReg.byLabel[label]
	if s == nil {
		if len(statsReg.list) >= maxStatLabels {
			if statsReg.other == nil {
				statsReg.other = &classStats{label: "(other)", kind: c.kind}
				statsReg.list = append(statsReg.list, statsReg.other)
			}
			s = statsReg.other
		} else {
			s = &classStats{label: label, kind: c.kind}
			statsReg.byLabel[label] = s
			statsReg.list = append(statsReg.list, s)
		}
	}
	c.stats.Store(s)
	return s
}

// holdSample is how many write acquisitions of a class there are per
// hold timed.
const holdSample = 16

// noteAcquired counts an acquisition of l in mode m; wait is how long it
// waited, in nanoseconds, for a contended one (-1 if not).
func noteAcquired(l *Lock, m Mode, wait int64) {
	s := l.class.statsOf()
	n := s.acquisitions.Add(1)
	if wait >= 0 {
		s.contended.Add(1)
		s.wait.observe(wait)
	}
	if m == Write && n%holdSample == 0 {
		l.heldAt.Store(mono())
	}
}

// noteReleased times the write hold of l that ends.
func noteReleased(l *Lock) {
	if l.heldAt.Load() == 0 {
		return
	}
	if at := l.heldAt.Swap(0); at != 0 {
		l.class.statsOf().hold.observe(mono() - at)
	}
}

// ClassMetrics are the metrics of the lock classes of one label.
type ClassMetrics struct {
	Class        string // the class name, declaration, or kind@site
	Kind         waitgraph.ResourceKind
	Acquisitions int64
	Contended    int64
	// Wait and Hold are histograms: counts per bucket of
	// HistogramBounds, not cumulative, the last for larger values.
	Wait, Hold       []int64
	WaitSum, HoldSum time.Duration
}

// Metrics returns the per-class metrics collected since EnableMetrics,
// sorted by class.
func Metrics() []ClassMetrics {
	statsReg.mu.Lock()
	list := slices.Clone(statsReg.list)
	statsReg.mu.Unlock()
	out := make([]ClassMetrics, 0, len(list))
	for _, s := range list {
		m := ClassMetrics{Class: s.label, Kind: s.kind, Acquisitions: s.acquisitions.Load(), Contended: s.contended.Load(),
			WaitSum: time.Duration(s.wait.sum.Load()), HoldSum: time.Duration(s.hold.sum.Load())}
		for i := range s.wait.buckets {
			m.Wait = append(m.Wait, s.wait.buckets[i].Load())
			m.Hold = append(m.Hold, s.hold.buckets[i].Load())
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b ClassMetrics) int { return cmp.Compare(a.Class, b.Class) })
	return out
}

// BlockedByKind counts the goroutines registered as waiting, by the kind
// of resource they wait for (select for a select over several).
func BlockedByKind() map[waitgraph.ResourceKind]int {
	out := make(map[waitgraph.ResourceKind]int)
	if e.state.Load() == stateUninit {
		return out
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	for _, r := range e.waiters {
		k := waitgraph.Select
		if len(r.on) == 1 {
			switch x := r.on[0].res.(type) {
			case *Lock:
				k = x.kind
			case *Prim:
				k = x.kind
			}
		}
		out[k]++
	}
	return out
}
