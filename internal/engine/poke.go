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
// four steps (reset, park, wake, stop), and a select on two channels:
// three times what a Cond's Wait and Signal cost the standard library.
//
// A poked wait (BeginWait of G) arms no timer of its own, and its waiter
// parks on its own channel alone. Each goroutine that makes such waits has
// one poker: a timer that, while the goroutine makes them, fires every
// grace period. A wait that was already the goroutine's current one at
// the previous firing has lasted at least a grace period: the timer sends
// the token Poke on the waiter's channel, and the waiter calls Tick and
// registers itself, as it would on its own timer's delivery. The timer is
// not reset as a wait begins if it is armed, and never stopped: once the
// goroutine stops waiting it fires once more, finds no wait, and stays
// idle until the next wait arms it.
//
// The timer sends only while the wait it sends for is current: it marks
// the wait busy while it sends, and the waiter's End (or its
// registration) waits for that mark to go. A token therefore never
// reaches a channel its wait no longer owns; one sent as the wait was
// woken stays unread in its channel, which its owner then drops.
type poker struct {
	// wait is the seq (see Wait.seq) of the goroutine's poked wait not
	// yet registered, 0 if none, with busy set while the timer sends for
	// it; seen is the wait found at the previous firing.
	wait, seen atomic.Uint64
	// target is the channel of the wait in wait: written by the waiter
	// before it stores wait, read by the timer once it marked wait busy.
	target chan<- uint8
	armed  atomic.Bool
	t      atomic.Pointer[time.Timer]
}

// busy marks poker.wait while the timer sends.
const busy = 1 << 63

// Poke is the token a poked wait's channel receives when its waiter
// should call Tick (see poker). A channel given to BeginWait of G carries
// no message with this value.
const Poke uint8 = 0xff

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
// as a poked wait: the wait arms no timer of its own, and C is nil; ch, the
// channel the waiter parks on, receives Poke when the waiter should call
// Tick (see poker). g is the calling goroutine's state (Self). In strict
// mode the wait is an ordinary one: its checks stay in the waiter, on C.
func (g *G) BeginWait(pc uintptr, on WaitOn, ch chan<- uint8) *Wait {
	if g == nil || e.state.Load() != stateOn || g.bubbled {
		return nil
	}
	if g.remote.Load() {
		g.applyRemote()
	}
	if o := e.opts.Load(); o != nil && o.Level == LevelStrict {
		w := prepare(g, pc, false)
		w.on = append(w.on, waitOn{res: on.Prim, mode: on.Mode, count: on.Count})
		return w
	}
	g.waitSeq++
	w := g.handle()
	*w = Wait{g: g, on: w.on[:0], pc: pc, seq: g.waitSeq, poked: true}
	w.on = append(w.on, waitOn{res: on.Prim, mode: on.Mode, count: on.Count})
	p := g.pk
	if p == nil {
		p = new(poker)
		g.pk = p
	}
	p.target = ch
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
		if s&busy == 0 && p.seen.Swap(s) == s && p.wait.CompareAndSwap(s, s|busy) {
			// Current at the previous firing too: a grace period old.
			select {
			case p.target <- Poke:
			default: // woken, or a token is there already
			}
			p.wait.Store(s)
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

// unpoke ends the pokes for w, a poked wait, once a send for it is over,
// and drops the poker's reference to the waiter's channel: a goroutine
// parked on a channel the engine reaches is never proven blocked for good
// by the runtime's goroutine leak detector (see detach).
func (w *Wait) unpoke() {
	p := w.g.pk
	for {
		switch s := p.wait.Load(); s {
		case w.seq:
			if !p.wait.CompareAndSwap(s, 0) {
				continue
			}
		case w.seq | busy:
			runtime.Gosched()
			continue
		}
		p.target = nil
		return
	}
}
