package engine

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
)

// Poked waits. A wait is registered with the detector only once it has
// lasted a grace period; the waiter learns it from the channel C, on which
// it calls Tick. A goroutine's own timer, reset as each wait begins and
// stopped as it ends, costs the waiter a timer-heap lock at each of the
// four steps (reset, park, wake, stop): twice what a Cond's Wait and Signal
// cost the standard library.
//
// A poked wait (BeginWait of G) arms no timer of its own. Each goroutine
// that makes such waits has one poker: a timer that, while the goroutine
// makes them, fires every grace period, and a channel the timer sends on.
// A wait that was already the goroutine's current one at the previous
// firing has lasted at least a grace period: the timer sends, and the
// waiter, parked on C, calls Tick and registers itself, as it would on its
// own timer's delivery. The timer is not reset as a wait begins if it is
// armed, and never stopped: once the goroutine stops waiting it fires once
// more, finds no wait, and stays idle until the next wait arms it.
type poker struct {
	ch chan time.Time // buffer 1: a token, the waiter's C
	t  atomic.Pointer[time.Timer]
	// wait is the seq (see Wait.seq) of the goroutine's poked wait not yet
	// registered, 0 if none; poked is the seq the last token was sent
	// for, so that a token left over from an ended wait is ignored; seen
	// is the wait found at the previous firing.
	wait, poked, seen atomic.Uint64
	armed             atomic.Bool
}

// Self returns the state of the calling goroutine, whose id is gid. The
// caller has checked Enabled.
func Self(gid uint64) *G {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	return goroutine(gid)
}

// Bubbled reports whether g runs in a testing/synctest bubble. Nil for a
// nil G: the caller then asks the clock (InBubble).
func (g *G) Bubbled() bool { return g.bubbled }

// BeginWait starts g's wait for on at call site pc, as BeginWaitOn does,
// as a poked wait: the wait arms no timer of its own (see poker). g is the
// calling goroutine's state (Self).
func (g *G) BeginWait(pc uintptr, on WaitOn) *Wait {
	if g == nil || e.state.Load() != stateOn || g.bubbled {
		return nil
	}
	if g.remote.Load() {
		g.applyRemote()
	}
	if o := e.opts.Load(); o != nil && o.Level == LevelStrict {
		// Its re-checks stay in the waiter, on its own timer.
		w := prepare(g, pc, false)
		w.on = append(w.on, waitOn{res: on.Prim, mode: on.Mode, count: on.Count})
		return w
	}
	g.waitSeq++
	w := &g.w
	*w = Wait{g: g, on: w.on[:0], pc: pc, seq: g.waitSeq, poked: true}
	w.on = append(w.on, waitOn{res: on.Prim, mode: on.Mode, count: on.Count})
	p := g.pk
	if p == nil {
		p = &poker{ch: make(chan time.Time, 1)}
		g.pk = p
	}
	p.wait.Store(w.seq)
	if !p.armed.Load() && p.armed.CompareAndSwap(false, true) {
		if t := p.t.Load(); t != nil {
			t.Reset(grace)
		} else {
			p.t.Store(time.AfterFunc(grace, p.fire))
		}
	}
	return w
}

// fire runs in the poker's timer.
func (p *poker) fire() {
	for {
		s := p.wait.Load()
		if s == 0 || e.state.Load() != stateOn {
			p.armed.Store(false)
			// A wait that began meanwhile saw the timer armed: keep it
			// going for that wait.
			if p.wait.Load() == 0 || e.state.Load() != stateOn || !p.armed.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		if p.seen.Swap(s) == s {
			// Current at the previous firing too: a grace period old.
			p.poked.Store(s)
			select {
			case p.ch <- time.Time{}:
			default: // a token is there already: the waiter will see it
			}
		}
		t := p.t.Load()
		for t == nil {
			// Fired before its creator stored it: the store comes.
			runtime.Gosched()
			t = p.t.Load()
		}
		t.Reset(grace)
		return
	}
}

// unpoke ends the pokes for w, a poked wait.
func (w *Wait) unpoke() {
	w.g.pk.wait.CompareAndSwap(w.seq, 0)
}
