package sched

import (
	"runtime"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"
)

// A Mode says how a hook goes on after asking the schedule.
type Mode uint8

// The modes.
const (
	// Free: no schedule controls the goroutine; do as usual.
	Free Mode = iota
	// Go: do the operation; it does not block, or a partner was released
	// to meet it. Call After when done.
	Go
	// Out: do the operation for real, out of control; call After when
	// done.
	Out
)

// wait for a message in block, returning it.
func (s *Sched) blockMsg(g *G, op string, pc uintptr, ops []Op) uint8 {
	g.st = blocked
	g.on = ops
	s.seq++
	g.seq = s.seq
	g.why = wait{op: op, pc: pc, ops: ops}
	if g.pcs == nil {
		g.pcs = make([]uintptr, 32)
	}
	g.pcs = g.pcs[:runtimeCallers(4, g.pcs[:cap(g.pcs)])]
	s.progress.Add(1)
	next := s.dispatch(g)
	s.mu.Unlock()
	if next == g {
		return msgRun
	}
	m := <-g.wake
	if m == msgAbort {
		s.abortRoot(g)
	}
	return m
}

// enter is the start of every operation of a controlled goroutine: a
// scheduling point. It returns the goroutine with s.mu held, or nil
// (without it) if the caller is not controlled.
func (s *Sched) enter(gid uint64) *G { return s.enterAs(gid, false) }

// enterAs is enter; a poll (a non-blocking attempt, which a goroutine
// makes in a loop while it waits for another) gives way under PCT as a
// sleep does, so that a goroutine that spins on one lets the others run.
func (s *Sched) enterAs(gid uint64, poll bool) *G {
	if s.jit != nil {
		s.jit.point()
		return nil
	}
	s.mu.Lock()
	g := s.self(gid)
	if g == nil || s.over {
		s.mu.Unlock()
		return nil
	}
	s.comeBack(g)
	if poll {
		s.strat.slept(g)
	}
	g.st = runnable
	s.switchFrom(g)
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return nil
	}
	return g
}

// Lock is called by goroutine gid before it locks the lock at key; free
// reports whether the lock can be taken without waiting. Lock returns
// when it can: the caller then takes it as usual.
func (s *Sched) Lock(gid uint64, key unsafe.Pointer, kind Kind, free func() bool, pc uintptr) {
	g := s.enter(gid)
	if g == nil {
		return
	}
	for {
		l := s.lockRec(key, kind)
		if free() && (kind != RLock || !s.writerBlocked(key)) {
			s.take(g, l, kind)
			s.mu.Unlock()
			return
		}
		if l.writer == nil && len(l.readers) == 0 {
			l.outside = true
			s.depend("a lock was held by a goroutine the schedule does not control")
		}
		if g.queued == 0 {
			s.seq++
			g.queued = s.seq
		}
		if s.blockMsg(g, "lock", pc, []Op{{Key: key, Kind: kind}}) == msgFree {
			return
		}
		s.mu.Lock()
		if s.over {
			s.mu.Unlock()
			return
		}
	}
}

// Tried records that goroutine gid took the lock at key with a TryLock.
func (s *Sched) Tried(gid uint64, key unsafe.Pointer, kind Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.byID[gid]
	if g == nil || s.over {
		return
	}
	s.take(g, s.lockRec(key, kind), kind)
}

// take records that g holds the lock whose record is l, in mode kind.
// Called with s.mu held.
func (s *Sched) take(g *G, l *lockRec, kind Kind) {
	g.queued = 0
	if kind == RLock {
		l.readers = append(l.readers, g)
	} else {
		l.writer = g
	}
	g.holds = append(g.holds, l)
}

func (s *Sched) lockRec(key unsafe.Pointer, kind Kind) *lockRec {
	l := s.locks[key]
	if l == nil {
		l = &lockRec{key: key, rw: kind != Mutex}
		s.locks[key] = l
	}
	return l
}

// writerBlocked reports whether a goroutine waits to write-lock key: as
// with sync.RWMutex, new readers then wait.
func (s *Sched) writerBlocked(key unsafe.Pointer) bool {
	for _, x := range s.gs {
		if x.st == blocked {
			for _, o := range x.on {
				if o.Key == key && o.Kind == WLock {
					return true
				}
			}
		}
	}
	return false
}

// Unlocked is called by goroutine gid after it unlocked the lock at key.
func (s *Sched) Unlocked(gid uint64, key unsafe.Pointer, kind Kind) {
	if s.jit != nil {
		s.jit.point()
		return
	}
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return
	}
	g := s.self(gid)
	if l := s.locks[key]; l != nil {
		var who *G
		if kind == RLock {
			i := slices_index(l.readers, g)
			if i < 0 && len(l.readers) > 0 {
				i = 0
			}
			if i >= 0 {
				who = l.readers[i]
				l.readers = append(l.readers[:i], l.readers[i+1:]...)
			}
		} else {
			who = l.writer
			l.writer = nil
		}
		if who != nil {
			if i := slices_index2(who.holds, l); i >= 0 {
				who.holds = append(who.holds[:i], who.holds[i+1:]...)
			}
		}
	}
	if kind == Mutex {
		s.wakeFirst(key)
	} else {
		s.changed(key)
	}
	if g == nil {
		s.mu.Unlock()
		return
	}
	g.st = runnable
	s.switchFrom(g)
}

// wakeFirst makes the goroutine queued first for the mutex at key
// runnable, as sync.Mutex's Unlock wakes the head of its queue only: a
// later waiter cannot overtake it (a goroutine that has not queued yet
// still can). Called with s.mu held.
func (s *Sched) wakeFirst(key unsafe.Pointer) {
	var first *G
	for _, x := range s.gs {
		if x.st == blocked && len(x.on) == 1 && x.on[0].Key == key && (first == nil || x.queued < first.queued) {
			first = x
		}
	}
	if first == nil {
		return
	}
	first.st = runnable
	first.on = nil
	if s.cur == nil {
		s.dispatch(nil)
	}
}

func slices_index(gs []*G, g *G) int {
	for i, x := range gs {
		if x == g {
			return i
		}
	}
	return -1
}

func slices_index2(ls []*lockRec, l *lockRec) int {
	for i, x := range ls {
		if x == l {
			return i
		}
	}
	return -1
}

// Point is a plain scheduling point of goroutine gid, after it changed
// the resource at key (a wait group's counter, a channel it closed): the
// goroutines blocked on it try again.
func (s *Sched) Point(gid uint64, key unsafe.Pointer) {
	if s.jit != nil {
		s.jit.point()
		return
	}
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return
	}
	if key != nil {
		s.changed(key)
	}
	g := s.self(gid)
	if g == nil {
		s.mu.Unlock()
		return
	}
	s.comeBack(g)
	g.st = runnable
	s.switchFrom(g)
}

// WaitFor is called by goroutine gid before it waits on the wait group at
// key; zero reports whether the counter is zero. It returns once it is.
func (s *Sched) WaitFor(gid uint64, key unsafe.Pointer, zero func() bool, pc uintptr) {
	s.WaitUntil(gid, key, WaitGroup, zero, pc)
}

// WaitUntil is WaitFor for a resource of any kind (a semaphore's permits).
func (s *Sched) WaitUntil(gid uint64, key unsafe.Pointer, kind Kind, zero func() bool, pc uintptr) {
	g := s.enter(gid)
	if g == nil {
		return
	}
	for !zero() {
		if s.blockMsg(g, "wait", pc, []Op{{Key: key, Kind: kind}}) == msgFree {
			return
		}
		s.mu.Lock()
		if s.over {
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
}

// CondWait replaces Cond.Wait for a controlled goroutine: it queues gid
// on the condition at key, calls unlock, and returns once signalled; the
// caller then locks again. It reports false if gid is not controlled (the
// caller waits as usual).
func (s *Sched) CondWait(gid uint64, key unsafe.Pointer, unlock func(), pc uintptr) bool {
	g := s.enter(gid)
	if g == nil {
		return false
	}
	g.sigd = false
	s.use(key, g, false)
	s.conds[key] = append(s.conds[key], g)
	held := slices.Clone(g.holds)
	s.mu.Unlock()
	unlock()
	s.mu.Lock()
	s.condLock(key, g, held)
	for !g.sigd && !s.over {
		if s.blockMsg(g, "wait", pc, []Op{{Key: key, Kind: Cond}}) == msgFree {
			return true
		}
		s.mu.Lock()
	}
	s.mu.Unlock()
	return true
}

// Signal wakes the first controlled goroutine waiting on the condition at
// key (all if all), and reports whether there was one; if not, the
// caller signals as usual.
func (s *Sched) Signal(gid uint64, key unsafe.Pointer, all bool) bool {
	if s.jit != nil {
		s.jit.point()
		return false
	}
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return false
	}
	q := s.conds[key]
	n := 0
	for len(q) > 0 && (all || n == 0) {
		q[0].sigd = true
		q = q[1:]
		n++
	}
	s.conds[key] = q
	if n > 0 {
		s.changed(key)
	}
	g := s.self(gid)
	if g == nil {
		s.mu.Unlock()
		return n > 0
	}
	s.use(key, g, true)
	g.st = runnable
	s.switchFrom(g)
	return n > 0
}

// Made records that goroutine gid made the channel at key: waits on it
// are modelled by the schedule.
func (s *Sched) Made(gid uint64, key unsafe.Pointer) {
	s.mu.Lock()
	if g := s.self(gid); g != nil && !s.over {
		s.known[key] = true
		s.makers[key] = g
	}
	s.mu.Unlock()
}

// ChanOp is called by goroutine gid before a channel operation, or a
// select over ops. It returns how to go on; unless Free, the caller calls
// After when the operation is done.
func (s *Sched) ChanOp(gid uint64, op string, pc uintptr, ops []Op) Mode {
	g := s.enter(gid)
	if g == nil {
		return Free
	}
	for {
		for _, o := range ops {
			if !o.Outside {
				s.use(o.Key, g, o.Send)
			}
		}
		ready, several := 0, false
		for _, o := range ops {
			if !o.Outside && peek(o) {
				ready++
			}
		}
		several = ready > 1
		if several {
			s.depend("a select had several cases ready: the runtime chose")
		}
		if ready > 0 {
			s.mu.Unlock()
			return Go
		}
		if p := s.partner(ops); p != nil {
			p.st = handing
			p.on = nil
			p.back = make(chan struct{})
			g.hand = p
			p.wake <- msgHand
			s.mu.Unlock()
			return Go
		}
		if s.uncontrolled(ops) {
			s.out(g, ops, "a channel operation waited on a channel made outside the schedule (a timer's, a context's) or alongside one")
			s.mu.Unlock()
			return Out
		}
		switch s.blockMsg(g, op, pc, ops) {
		case msgFree:
			return Free
		case msgHand:
			return Go
		}
		s.mu.Lock()
		if s.over {
			s.mu.Unlock()
			return Free
		}
	}
}

func slicesContains(gs []*G, g *G) bool { return slices_index(gs, g) >= 0 }

// partner returns a goroutine blocked by the schedule in the operation
// that completes one of ops, the one blocked first. Called with s.mu held.
func (s *Sched) partner(ops []Op) *G {
	var best *G
	for _, o := range ops {
		if o.Outside || o.Key == nil {
			continue
		}
		for _, x := range s.gs {
			if x.st != blocked || best != nil && x.seq > best.seq {
				continue
			}
			for _, xo := range x.on {
				if xo.Kind == Chan && xo.Key == o.Key && xo.Send != o.Send && !xo.Outside {
					best = x
					break
				}
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// uncontrolled reports whether ops must be waited on for real: a channel
// not made in the schedule, a case the schedule cannot see, or a channel
// another goroutine waits on for real. Called with s.mu held.
func (s *Sched) uncontrolled(ops []Op) bool {
	for _, o := range ops {
		if o.Outside || o.Key != nil && !s.known[o.Key] {
			return true
		}
		for _, x := range s.gs {
			if x.st == out {
				for _, xo := range x.on {
					if xo.Key == o.Key && o.Key != nil {
						return true
					}
				}
			}
		}
	}
	return false
}

// After is called when the operation ChanOp allowed is done, on the
// channel at key (the case a select took; nil if none of the schedule's).
func (s *Sched) After(gid uint64, key unsafe.Pointer) {
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return
	}
	if key != nil {
		s.changed(key)
	}
	g := s.byID[gid]
	if g == nil {
		s.mu.Unlock()
		return
	}
	if h := g.hand; h != nil {
		g.hand = nil
		ch := h.back
		s.mu.Unlock()
		if ch != nil {
			// The partner may have met another goroutine, out of
			// control, in the channel: it then never comes back from
			// this rendezvous. Do not wait for it for good.
			t := time.NewTimer(handWait)
			select {
			case <-ch:
			case <-s.done:
			case <-t.C:
				s.mu.Lock()
				s.depend("a goroutine let into a channel did not come back (it met a goroutine out of control there)")
				s.mu.Unlock()
			}
			t.Stop()
		}
		return
	}
	s.comeBack(g)
	s.mu.Unlock()
}

// hchan mirrors the head of the runtime's channel (runtime/chan.go).
type hchan struct {
	qcount   uintptr
	dataqsiz uintptr
	buf      unsafe.Pointer
	elemsize uint16
	closed   uint32
	timer    unsafe.Pointer
	elemtype unsafe.Pointer
	sendx    uintptr
	recvx    uintptr
	recvq    waitq
	sendq    waitq
}

type waitq struct{ first, last unsafe.Pointer }

// peek reports whether channel operation o would proceed at once.
func peek(o Op) bool {
	if o.Key == nil {
		return false
	}
	h := (*hchan)(o.Key)
	if atomic.LoadUint32(&h.closed) != 0 {
		return true
	}
	n, c := atomic.LoadUintptr(&h.qcount), atomic.LoadUintptr(&h.dataqsiz)
	if o.Send {
		return n < c || atomic.LoadPointer(&h.recvq.first) != nil
	}
	return n > 0 || atomic.LoadPointer(&h.sendq.first) != nil
}

// use records that g used the channel or condition at key, to send on it
// (or signal it) or to receive from it (or wait on it). Called with s.mu
// held.
func (s *Sched) use(key unsafe.Pointer, g *G, send bool) {
	if key == nil {
		return
	}
	if !slicesContains(s.users[key], g) {
		s.users[key] = append(s.users[key], g)
	}
	s.sawEnd(key, g, send)
}

// handWait bounds the wait of a goroutine for the partner it let into a
// channel to come back under control.
const handWait = 100 * time.Millisecond

// pollWait bounds the wait of Poll for a partner it let into a channel to
// show in the channel's queue.
const pollWait = 10 * time.Millisecond

// Poll is called by goroutine gid before a select with a default case over
// ops: a scheduling point. If no case is ready but a goroutine blocked in
// the schedule would complete one, it is let into its channel operation,
// and Poll returns once the runtime shows it there, with Go: the caller
// calls After when the select is done. Otherwise it returns Free.
func (s *Sched) Poll(gid uint64, pc uintptr, ops []Op) Mode {
	s.polls.Add(1)
	g := s.enterAs(gid, true)
	if g == nil {
		return Free
	}
	for _, o := range ops {
		if !o.Outside {
			s.use(o.Key, g, o.Send)
		}
	}
	for _, o := range ops {
		if !o.Outside && peek(o) {
			s.mu.Unlock()
			return Free
		}
	}
	p := s.partner(ops)
	if p == nil {
		s.mu.Unlock()
		return Free
	}
	p.st = handing
	p.on = nil
	p.back = make(chan struct{})
	g.hand = p
	p.wake <- msgHand
	s.mu.Unlock()
	deadline := time.Now().Add(pollWait)
	for {
		for _, o := range ops {
			if !o.Outside && peek(o) {
				return Go
			}
		}
		select {
		case <-s.done:
			return Go
		default:
		}
		if time.Now().After(deadline) {
			s.mu.Lock()
			g.hand = nil
			s.depend("a goroutine let into a channel for a select with a default case did not show in it")
			s.mu.Unlock()
			return Free
		}
		runtime.Gosched()
	}
}

// LockCtx is Lock for a lock taken with a context (LockContext,
// RLockContext) whose Done channel is done (nil: it is Lock). If the lock
// is free, or done is closed, it returns Free and the caller goes on as
// usual; otherwise the goroutine waits out of control (the context's
// channel is not the schedule's), and LockCtx returns Out: the caller
// takes the lock for real, calls Tried if it took it, then After.
func (s *Sched) LockCtx(gid uint64, key unsafe.Pointer, kind Kind, free func() bool, pc uintptr, done <-chan struct{}) Mode {
	if done == nil {
		s.Lock(gid, key, kind, free, pc)
		return Free
	}
	g := s.enter(gid)
	if g == nil {
		return Free
	}
	if free() && (kind != RLock || !s.writerBlocked(key)) {
		s.take(g, s.lockRec(key, kind), kind)
		s.mu.Unlock()
		return Free
	}
	return s.ctxOut(g, key, kind, done)
}

// WaitCtx is WaitUntil for a wait with a context (WaitContext, a
// Semaphore's Acquire) whose Done channel is done (nil: it is WaitUntil).
// It returns as LockCtx does; after Out the caller calls After.
func (s *Sched) WaitCtx(gid uint64, key unsafe.Pointer, kind Kind, ready func() bool, pc uintptr, done <-chan struct{}) Mode {
	if done == nil {
		s.WaitUntil(gid, key, kind, ready, pc)
		return Free
	}
	g := s.enter(gid)
	if g == nil {
		return Free
	}
	if ready() {
		s.mu.Unlock()
		return Free
	}
	return s.ctxOut(g, key, kind, done)
}

// ctxOut sends g out of control for a wait on key that its context may
// end, unless the context is done already. Called with s.mu held; returns
// without it.
func (s *Sched) ctxOut(g *G, key unsafe.Pointer, kind Kind, done <-chan struct{}) Mode {
	select {
	case <-done:
		s.mu.Unlock()
		return Free // it fails, or succeeds, at once
	default:
	}
	s.out(g, []Op{{Key: key, Kind: kind, Outside: true}}, "a wait with a context (LockContext, WaitContext, Acquire) waited out of control")
	s.mu.Unlock()
	return Out
}

// Try is the scheduling point of a non-blocking attempt (TryLock,
// TryAcquire) of goroutine gid: the strategy may run others first, and
// under PCT the goroutine gives way as after a sleep (see enterAs).
func (s *Sched) Try(gid uint64) {
	s.polls.Add(1)
	if g := s.enterAs(gid, true); g != nil {
		s.mu.Unlock()
	}
}
