package engine

import "sync/atomic"

// hot is the one word the mirror's uncontended Lock and Unlock read to
// choose their path: it equals hotOn alone when detection is on and
// nothing asks those paths for more (no schedule runs, goroutine ids from
// rt.Enter are valid, no metrics are collected). Any other value sends
// them to their general paths, which check each of those in turn. It
// mirrors e.state, the scheduler's active schedule and slowAcquire, and
// may lag them for a moment, as a check of them would.
var hot atomic.Uint32

// Bits of hot.
const (
	hotOn    uint32 = 1 << iota // e.state is stateOn
	hotSched                    // a schedule runs (internal/sched)
	hotSlow                     // slowAcquire is set
)

// Hot reports whether detection is on and the uncontended lock paths may
// take their fast path, which makes no scheduling hook, assumes valid
// goroutine ids and counts no metrics. It is one load and one compare.
func Hot() bool { return hot.Load() == hotOn }

// setHot sets or clears bit of hot.
func setHot(bit uint32, on bool) {
	if on {
		hot.Or(bit)
	} else {
		hot.And(^bit)
	}
}

// mirror sets bit of hot to what now reports, then checks now again, so
// that two goroutines changing the source at once leave the bit of the
// last change: the one whose write was stale sees it and writes again.
func mirror(bit uint32, now func() bool) {
	for {
		on := now()
		setHot(bit, on)
		if now() == on {
			return
		}
	}
}

func stateIsOn() bool { return e.state.Load() == stateOn }

// setState sets the engine's state and mirrors it in hot.
func setState(s uint32) {
	e.state.Store(s)
	mirror(hotOn, stateIsOn)
}

// setSlowAcquire sends the uncontended paths through Acquired for good.
func setSlowAcquire() {
	slowAcquire.Store(true)
	setHot(hotSlow, true)
}

// SetScheduled mirrors in Hot whether a schedule runs: internal/sched
// calls it after each change of its active schedule, with a function
// that reports whether one runs now.
func SetScheduled(running func() bool) { mirror(hotSched, running) }
