package sched

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Virtual time. Under a schedule, a sleep of a controlled goroutine is a
// scheduling point at which it blocks until the schedule's virtual clock
// reaches its deadline, and the timers made by controlled goroutines
// (time.After, NewTimer, AfterFunc, NewTicker, Tick, rewritten by gridlock
// explore into gridlock's hooks) fire in virtual time. The clock moves
// only when no goroutine of the schedule can run: it jumps to the first
// deadline (as testing/synctest's bubbles do). So a test that sleeps for
// seconds runs in microseconds, and the order in which sleepers and timers
// wake is the schedule's, the same at every replay.

// clock is a schedule's virtual time.
type clock struct {
	base   time.Time     // the real time at which the schedule started
	now    time.Duration // virtual time elapsed since base
	tseq   uint64
	timers []*vtimer // pending
	made   []*vtimer // every timer made
	nsleep int       // goroutines in Sleep
}

// A vtimer is a timer or ticker of the schedule.
type vtimer struct {
	s      *Sched
	at     time.Duration // when it fires, in virtual time
	seq    uint64        // creation order, to break ties
	period time.Duration // tickers: the period; 0 for a timer
	ch     chan time.Time
	key    unsafe.Pointer // ch's address
	fn     func()         // AfterFunc's function
	handle unsafe.Pointer // the *time.Timer or *time.Ticker returned
	real   *time.Timer    // after the schedule ended: the real timer that fires it
	stop   chan struct{}  // a ticker after the schedule ended: closed by Stop
}

// registry maps the *time.Timer or *time.Ticker a hook returned to its
// vtimer, while it is pending or its schedule runs, so that Stop and Reset
// find it from any goroutine.
var registry sync.Map

// Sleep is time.Sleep(d) for goroutine gid under the schedule: a
// scheduling point, then a wait in virtual time. It reports false if gid
// is not controlled: the caller then sleeps for real.
func (s *Sched) Sleep(gid uint64, d time.Duration, pc uintptr) bool {
	if s.jit != nil {
		s.jit.point()
		return false
	}
	s.mu.Lock()
	g := s.self(gid)
	if g == nil || s.over {
		s.mu.Unlock()
		return false
	}
	s.comeBack(g)
	if d <= 0 { // a yield
		g.st = runnable
		s.switchFrom(g)
		return true
	}
	at := s.now + d
	s.nsleep++
	defer func() { s.mu.Lock(); s.nsleep--; s.mu.Unlock() }()
	s.strat.slept(g)
	for s.now < at {
		g.until = at
		if s.blockMsg(g, "sleep", pc, []Op{{Key: unsafe.Pointer(g), Kind: Sleep}}) == msgFree {
			// The schedule ended: sleep what is left, for real.
			s.mu.Lock()
			left := at - s.now
			s.mu.Unlock()
			time.Sleep(left)
			return true
		}
		s.mu.Lock()
		if s.over {
			break
		}
	}
	s.mu.Unlock()
	return true
}

// Timer makes a timer of the schedule for goroutine gid, at d from now in
// virtual time: at that time it sends the time on ch (if not nil), or
// calls fn in a new goroutine of the schedule. With a period it is a
// ticker. handle is the *time.Timer or *time.Ticker the caller returns, by
// which StopTimer and ResetTimer find it. It reports false if gid is not
// controlled: the caller then makes a real timer.
func (s *Sched) Timer(gid uint64, d time.Duration, ch chan time.Time, fn func(), period time.Duration, handle unsafe.Pointer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.over || s.jit != nil || s.self(gid) == nil {
		return false
	}
	t := &vtimer{s: s, ch: ch, fn: fn, period: period, handle: handle}
	if ch != nil {
		t.key = *(*unsafe.Pointer)(unsafe.Pointer(&ch))
		s.known[t.key] = true
	}
	s.arm(t, d)
	s.made = append(s.made, t)
	registry.Store(handle, t)
	timersLeft.Add(1)
	return true
}

// arm schedules t at d from now. Called with s.mu held.
func (s *Sched) arm(t *vtimer, d time.Duration) {
	s.tseq++
	t.at, t.seq = s.now+max(d, 0), s.tseq
	if !slices.Contains(s.timers, t) {
		s.timers = append(s.timers, t)
	}
}

// disarm removes t from the pending timers and reports whether it was
// pending. Called with s.mu held.
func (s *Sched) disarm(t *vtimer) bool {
	i := slices.Index(s.timers, t)
	if i < 0 {
		return false
	}
	s.timers = slices.Delete(s.timers, i, i+1)
	return true
}

// lockedTimer returns the schedule's timer with handle h and its
// schedule, locked; nil if h is not one of a schedule's timers.
func lockedTimer(h unsafe.Pointer) (*vtimer, *Sched) {
	v, found := registry.Load(h)
	if !found {
		return nil, nil
	}
	t := v.(*vtimer)
	t.s.mu.Lock()
	return t, t.s
}

// StopTimer stops the timer or ticker made by Timer with handle h, as
// time.Timer.Stop does, and reports whether it was pending; ok is false if
// h is not one of a schedule's timers (the caller stops it as usual).
func StopTimer(h unsafe.Pointer) (pending, ok bool) {
	t, s := lockedTimer(h)
	if t == nil {
		return false, false
	}
	defer s.mu.Unlock()
	pending = t.cancel()
	drain(t.ch)
	if s.over { // else it may be reset
		unregister(t)
	}
	return pending, true
}

// ResetTimer resets the timer or ticker with handle h to fire d from now
// (a ticker: every d), as Reset does, and reports whether it was pending;
// ok is false if h is not one of a schedule's timers.
func ResetTimer(h unsafe.Pointer, d time.Duration) (pending, ok bool) {
	t, s := lockedTimer(h)
	if t == nil {
		return false, false
	}
	defer s.mu.Unlock()
	pending = t.cancel()
	drain(t.ch)
	if t.period > 0 {
		t.period = d
	}
	if s.over {
		t.realArm(d)
		return pending, true
	}
	s.arm(t, d)
	return pending, true
}

// cancel stops t, virtual or real, and reports whether it was pending.
// Called with t.s.mu held.
func (t *vtimer) cancel() bool {
	pending := t.s.disarm(t)
	if t.real != nil {
		pending = t.real.Stop() || pending
		t.real = nil
	}
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
		pending = true
	}
	return pending
}

// drain empties a timer's channel: after Stop or Reset no stale value is
// received (Go 1.23's timers).
func drain(ch chan time.Time) {
	if ch == nil {
		return
	}
	select {
	case <-ch:
	default:
	}
}

// advance moves virtual time to the first deadline of a sleeper or a timer
// and wakes what is due, until a goroutine can run; it reports whether
// one can. Called with s.mu held, when none can.
func (s *Sched) advance() bool {
	if s.over || s.jit != nil {
		return false
	}
	for {
		at, any := time.Duration(0), false
		for _, x := range s.gs {
			if x.sleeping() && (!any || x.until < at) {
				at, any = x.until, true
			}
		}
		for _, t := range s.timers {
			// A ticker whose last tick was not taken would drop the
			// next: it changes nothing, and does not move time.
			if (t.period == 0 || len(t.ch) == 0) && (!any || t.at < at) {
				at, any = t.at, true
			}
		}
		if !any {
			return false
		}
		if s.advanceTo(at) {
			return true
		}
	}
}

// advanceTo moves virtual time to at (if later than now), fires the
// timers due by then, in order, and wakes the sleepers due; it reports
// whether a goroutine became runnable. Called with s.mu held.
func (s *Sched) advanceTo(at time.Duration) bool {
	s.now = max(s.now, at)
	woke := false
	var due []*vtimer
	for _, t := range s.timers {
		if t.at <= s.now && (t.period == 0 || len(t.ch) == 0) {
			due = append(due, t)
		}
	}
	slices.SortFunc(due, func(a, b *vtimer) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.seq - b.seq)
	})
	for _, t := range due {
		if s.fire(t) {
			woke = true
		}
	}
	for _, x := range s.gs {
		if x.sleeping() && x.until <= s.now {
			x.st, x.on = runnable, nil
			woke = true
		}
	}
	return woke
}

// sleepers returns rs, the runnable goroutines, and after them those
// whose sleep ends first. Called with s.mu held.
func (s *Sched) sleepers(rs []*G) []*G {
	at, any := time.Duration(0), false
	for _, x := range s.gs {
		if x.sleeping() && (!any || x.until < at) {
			at, any = x.until, true
		}
	}
	for _, x := range s.gs {
		if any && x.sleeping() && x.until == at {
			rs = append(rs, x)
		}
	}
	return rs
}

func (g *G) sleeping() bool {
	return g.st == blocked && len(g.on) == 1 && g.on[0].Kind == Sleep
}

// fire fires t, due now, and reports whether a goroutine became runnable.
// Called with s.mu held.
func (s *Sched) fire(t *vtimer) bool {
	if t.period > 0 {
		for t.at <= s.now {
			t.at += t.period
		}
	} else {
		s.disarm(t)
	}
	if t.fn != nil {
		g := s.newG("time.AfterFunc")
		go func() {
			s.Begin(g)
			defer s.Exit(g)
			t.fn()
		}()
		return true
	}
	select {
	case t.ch <- s.base.Add(s.now):
	default:
	}
	return s.wakeOn(t.key)
}

// unfired reports whether key is the channel of a pending timer. Called
// with s.mu held.
func (s *Sched) unfired(key unsafe.Pointer) bool {
	for _, t := range s.timers {
		if t.key == key {
			return true
		}
	}
	return false
}

// realTimers turns the pending timers of a schedule that ends into real
// ones, for what is left of their time. Called with s.mu held.
func (s *Sched) realTimers() {
	for _, t := range s.timers {
		t.realArm(t.at - s.now)
	}
	for _, t := range s.made {
		if !slices.Contains(s.timers, t) {
			unregister(t)
		}
	}
	s.timers, s.made = nil, nil
}

// realArm arms t for real, to fire d from now. Called with t.s.mu held.
func (t *vtimer) realArm(d time.Duration) {
	s := t.s
	switch {
	case t.fn != nil:
		fn := t.fn
		t.real = time.AfterFunc(d, func() {
			unregister(t)
			fn()
		})
	case t.period > 0:
		stop := make(chan struct{})
		t.stop = stop
		period, ch := t.period, t.ch
		go func() {
			tk := time.NewTimer(d)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case now := <-tk.C:
					select {
					case ch <- now:
					default:
					}
					tk.Reset(period)
				}
			}
		}()
	default:
		ch := t.ch
		t.real = time.AfterFunc(d, func() {
			select {
			case ch <- time.Now():
			default:
			}
			s.mu.Lock()
			t.real = nil
			s.mu.Unlock()
			unregister(t)
		})
	}
}

// timersLeft counts the timers in the registry: a timer of a schedule
// may be stopped after the schedule ended.
var timersLeft atomic.Int64

func unregister(t *vtimer) {
	if registry.CompareAndDelete(t.handle, t) {
		timersLeft.Add(-1)
	}
}

// TimersLeft reports whether some timer made under a schedule may still
// be stopped or reset: Stop and Reset hooks then look for it even when no
// schedule runs. It is one atomic load.
func TimersLeft() bool { return timersLeft.Load() != 0 }
