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
// one poker, and the engine one timer that, while some poker has a wait,
// fires every grace period and visits them. A wait that was already its
// goroutine's current one at the previous firing has lasted at least a
// grace period: the timer sends the token Poke on the waiter's channel,
// and the waiter calls Tick and registers itself, as it would on its own
// timer's delivery. A poker is on the timer's list from its goroutine's
// wait until a firing finds it idle; the timer is not reset as a wait
// begins if it is armed, and never stopped: once no poker has a wait it
// fires once more and stays idle until the next wait arms it. So a wait
// costs its waiter a few atomic operations, and no call into the runtime's
// timers, whose frames would make a small goroutine stack grow.
type poker struct {
	// wait is the seq (see Wait.seq) of the goroutine's poked wait not
	// yet registered, 0 if none, with busy set while the timer sends for
	// it; seen is the wait found at the previous firing.
	wait, seen atomic.Uint64
	// target is the channel of the wait in wait: written by the waiter
	// before it stores wait, read by the timer once it marked wait busy.
	target chan<- uint8
	// listed is set while the poker is on pokers' list; next links the
	// list, written by whoever puts the poker on it.
	listed atomic.Bool
	next   *poker
}

// pokers is the engine's poking timer and the list of pokers it visits: a
// stack its waiters push onto, which the timer takes whole at each firing
// and gives back what is still waiting.
var pokers struct {
	head  atomic.Pointer[poker]
	armed atomic.Bool
	t     atomic.Pointer[time.Timer]
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
	return g.poked(pc, waitOn{res: on.Prim, mode: on.Mode, count: on.Count}, ch)
}

// BeginLockWait starts g's wait for l in mode m at call site pc, as
// BeginWait does. A wait that cannot be cancelled is a poked wait on ch,
// the channel the waiter parks on, as (*G).BeginWait makes; one that can
// (a context's) is an ordinary one, whose waiter selects on C too.
func BeginLockWait(g *G, l *Lock, m Mode, pc uintptr, cancelable bool, ch chan<- uint8) *Wait {
	if cancelable {
		return BeginWait(g, l, m, pc, true)
	}
	if g == nil || l == nil || e.state.Load() != stateOn || g.bubbled {
		return nil
	}
	return g.poked(pc, waitOn{res: l, mode: mode(m)}, ch)
}

// poked starts g's poked wait for on (see poker).
func (g *G) poked(pc uintptr, on waitOn, ch chan<- uint8) *Wait {
	if g.remote.Load() {
		g.applyRemote()
	}
	if o := e.opts.Load(); o != nil && o.Level == LevelStrict {
		w := prepare(g, pc, false)
		w.on = append(w.on, on)
		return w
	}
	g.waitSeq++
	w := g.handle()
	*w = Wait{g: g, on: w.on[:0], pc: pc, seq: g.waitSeq, poked: true}
	w.on = append(w.on, on)
	p := g.pk
	if p == nil {
		p = new(poker)
		g.pk = p
	}
	p.target = ch
	p.wait.Store(w.seq)
	if !p.listed.Load() && p.listed.CompareAndSwap(false, true) {
		pushPokers(p, p)
	}
	if !pokers.armed.Load() {
		armPokers()
	}
	return w
}

// pushPokers puts the list from first to last, linked by next, on pokers'
// list.
func pushPokers(first, last *poker) {
	for {
		h := pokers.head.Load()
		last.next = h
		if pokers.head.CompareAndSwap(h, first) {
			return
		}
	}
}

// armPokers arms the timer if it is idle.
//
//go:noinline
func armPokers() {
	if !pokers.armed.CompareAndSwap(false, true) {
		return
	}
	if t := pokers.t.Load(); t != nil {
		t.Reset(grace)
	} else {
		pokers.t.Store(time.AfterFunc(grace, firePokers))
	}
}

// firePokers runs in the timer: it pokes the waits that have lasted a
// grace period, and keeps the pokers that still wait on the list.
func firePokers() {
	var first, last *poker
	for p := pokers.head.Swap(nil); p != nil; {
		next := p.next
		p.next = nil
		if p.fire() {
			if first == nil {
				first = p
			} else {
				last.next = p
			}
			last = p
		}
		p = next
	}
	if first != nil {
		pushPokers(first, last)
	}
	if pokers.head.Load() == nil {
		pokers.armed.Store(false)
		// A poker listed meanwhile saw the timer armed: keep it going.
		if pokers.head.Load() == nil || !pokers.armed.CompareAndSwap(false, true) {
			return
		}
	}
	t := pokers.t.Load()
	for t == nil {
		// Fired before its creator stored it: the store comes.
		runtime.Gosched()
		t = pokers.t.Load()
	}
	t.Reset(grace)
}

// fire pokes p's wait if it was current at the previous firing too, and
// reports whether p stays on the list: it has a wait, or got one as it was
// taken off.
func (p *poker) fire() bool {
	s := p.wait.Load()
	if s == 0 || e.state.Load() != stateOn {
		p.listed.Store(false)
		// A wait that began meanwhile saw p listed: keep it, unless its
		// waiter listed it again itself.
		return p.wait.Load() != 0 && e.state.Load() == stateOn && p.listed.CompareAndSwap(false, true)
	}
	if s&busy == 0 && p.seen.Swap(s) == s && p.wait.CompareAndSwap(s, s|busy) {
		// Current at the previous firing too: a grace period old.
		select {
		case p.target <- Poke:
		default: // woken, or a token is there already
		}
		p.wait.Store(s)
	}
	return true
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
