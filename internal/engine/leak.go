package engine

import (
	"bytes"
	"fmt"
	"github.com/gridlock-go/gridlock/internal/rt"
	"io"
	"math"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A lock-leak is a lock held for writing by a goroutine that has exited
// while another goroutine waits for it: nothing can ever release it (a
// forgotten Unlock on an error path, typically). It is reported when the
// wait is registered or re-checked, once the waiter is known to wait for
// good (blockedForGood): proven by the runtime's goroutine leak detector,
// or waiting for the long-wait threshold.
//
// A lock nobody waits for is not reported, even at the end of a test: code
// keeps locks on purpose (a Close that takes a lock and never releases it,
// so that nothing runs after it), and such a lock hurts only if someone
// asks for it. Nor is a lock that may have been handed over: one its
// holder lent to a goroutine it started (see G.lend), or one that was
// released by another goroutine than its locker before (Lock.remote).
//
// That a goroutine started by gridlock.Go exited is known (Exited). For
// any other goroutine (a test's own, started by the testing package), a
// dump of the goroutines is read, at most once a second and only for a
// lock wait that has lasted untrackedAfter, outside the engine's locks;
// a goroutine found gone is remembered in the exited set.

// untrackedAfter is how long a lock wait lasts before the detector looks
// whether its lock's holder, if not started by gridlock.Go, has exited.
const untrackedAfter = 500 * time.Millisecond

// Exited is called when a goroutine started by gridlock.Go returns. The
// waits for locks it leaves held are found leaked at their next re-check,
// once their goroutines are known to wait for good (blockedForGood).
func Exited(g *G) {
	if g == nil {
		return
	}
	e.exited.add(g.id)
}

// checkLeak reports a lock-leak if r is a wait for a lock whose holder has
// exited. It is called without engine locks.
func checkLeak(r *waitRec) {
	l := r.lock()
	if l == nil || l.remote.Load() || e.state.Load() != stateOn {
		return
	}
	o := l.ownerSeen()
	if o == nil || o == r.g || !hasExited(o, r) || !blockedForGood(r) {
		return
	}
	var f *report.Finding
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		if r.g.wait != r || r.leakDone || l.ownerOf() != o || l.remote.Load() {
			return
		}
		var h *held
		for _, x := range o.heldSnapshot() {
			if x.lock == l && x.mode == Write {
				h = &x
			}
		}
		if h == nil || h.lent() {
			return
		}
		e.mu.Lock()
		fresh := once(report.LockLeak, l.id, o.id)
		e.mu.Unlock()
		r.leakDone = true // no long-wait on top (recheck)
		if fresh {
			f = leakFinding(r, o, h)
		}
	}()
	if f != nil {
		deliver([]*report.Finding{f})
	}
}

// hasExited reports whether o, the holder of the lock r waits for, has
// exited.
func hasExited(o *G, r *waitRec) bool {
	id := o.ownID()
	if e.exited.has(id) {
		return true
	}
	if o.tracked || time.Since(r.since) < untrackedAfter {
		return false // a tracked goroutine's exit is known at once
	}
	if o.rg != 0 && rt.ExitsObservable() {
		// The runtime's g tells, without a dump of every goroutine.
		if !rt.Exited(o.rg, id) {
			return false
		}
		e.exited.add(id)
		return true
	}
	e.wmu.Lock()
	waiting := o.wait != nil
	e.wmu.Unlock()
	if waiting || alive(id) {
		return false
	}
	e.exited.add(id)
	return true
}

// blockedForGood reports whether r's goroutine is taken to wait for good:
// the runtime's goroutine leak detector (GOEXPERIMENT=goroutineleakprofile,
// as gridlock test builds) proves it, or the wait has lasted leakGrace (or
// the long-wait threshold, if shorter). The detector cannot prove a wait
// for a lock a package variable holds, since package variables are always
// reachable: the grace is what reports those, before gridlock test stops a
// hung test (-wait, 10s). A holder that
// exited is not enough: a lock may be handed over, locked by a goroutine
// that exits and unlocked later by another (legal in Go), and a wait for
// it then ends; the leak detector sees that goroutine reach the lock.
func blockedForGood(r *waitRec) bool {
	if time.Since(r.since) >= min(longWait(), leakGrace) {
		return true
	}
	if leakProfile == nil {
		return false
	}
	liveness.mu.Lock()
	defer liveness.mu.Unlock()
	if liveness.leaked == nil || time.Since(liveness.leakAt) > livenessEvery() {
		// Writing the profile runs the collection that marks leaked
		// goroutines; the dump below shows the marks.
		if leakProfile.WriteTo(io.Discard, 0) != nil {
			return false
		}
		dumpLiveness()
		liveness.leakAt = liveness.at
	}
	return liveness.leaked[r.g.ownID()]
}

// leakGrace is how long a wait for a lock whose holder has exited lasts
// before it is taken to be for good, without the runtime's proof: a hand-
// over of a lock whose locker exited ends sooner.
const leakGrace = 5 * time.Second

// leakProfile is the runtime's goroutine leak profile, nil if the
// toolchain has none.
var leakProfile = pprof.Lookup("goroutineleak")

// liveness is the set of goroutines of the last dump, and those of them
// the runtime's leak detector had proven blocked for good.
var liveness struct {
	mu     sync.Mutex
	at     time.Time
	ids    map[uint64]bool
	leaked map[uint64]bool
	leakAt time.Time // when the leak profile was last written
	max    uint64
	cost   time.Duration // what the last dump took
}

// livenessEvery is how often the goroutines may be dumped: at most once a
// second, and so that dumping takes at most a twentieth of the time (a
// dump of 100,000 goroutines takes a good part of a second). Called with
// liveness.mu held.
func livenessEvery() time.Duration { return max(time.Second, 20*liveness.cost) }

// alive reports whether goroutine id, which exists or existed, is alive,
// from a dump of the goroutines at most livenessEvery old. A goroutine
// absent from that dump is looked for in a fresh one, if dumps are not too
// frequent for their cost, and else taken to be alive for now: it may have
// started since (ids are handed out in batches, so its id may be below the
// dump's largest).
func alive(id uint64) bool {
	liveness.mu.Lock()
	defer liveness.mu.Unlock()
	fresh := false
	if liveness.ids == nil || time.Since(liveness.at) > livenessEvery() {
		dumpLiveness()
		fresh = true
	}
	if liveness.ids[id] || id > liveness.max {
		return true
	}
	if fresh {
		return false
	}
	if time.Since(liveness.at) < 20*liveness.cost {
		return true // not known yet: asked again later
	}
	dumpLiveness()
	return liveness.ids[id] || id > liveness.max
}

// dumpLiveness refreshes liveness. Called with liveness.mu held.
func dumpLiveness() {
	start := time.Now()
	defer func() { liveness.cost = time.Since(start) }()
	buf := stackDump(math.MaxInt) // a goroutine left out would be taken for exited
	ids := make(map[uint64]bool)
	leaked := make(map[uint64]bool)
	var top uint64
	prefix := []byte("goroutine ")
	for line := range bytes.Lines(buf) {
		rest, ok := bytes.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		if i := bytes.IndexByte(rest, ' '); i > 0 {
			if id, err := strconv.ParseUint(string(rest[:i]), 10, 64); err == nil {
				ids[id] = true
				top = max(top, id)
				if bytes.Contains(rest, []byte("(leaked)")) {
					leaked[id] = true
				}
			}
		}
	}
	liveness.ids, liveness.leaked, liveness.max, liveness.at = ids, leaked, top, time.Now()
}

// leakFinding describes r's wait for a lock that o, which has exited,
// took at h. Called with e.wmu held.
func leakFinding(r *waitRec, o *G, h *held) *report.Finding {
	b := newBuilder(true)
	w := b.visit(r.g)
	res := b.resource(h.lock)
	og := b.visit(o) // seen as running: it has no wait
	og.Runnable, og.State = false, "exited"
	og.Holds = []waitgraph.Hold{{Resource: res.ID, Mode: waitgraph.Lock, Stack: b.site(h.pc)}}
	at := "an unknown site"
	if fr := frameOf(h.pc); fr != nil {
		at = fr.Pos()
	}
	f := &report.Finding{
		Kind:    report.LockLeak,
		Source:  "runtime",
		Summary: fmt.Sprintf("%s exited holding %s, locked at %s; %s waits for it, and nothing can release it", og.Label(), res.ID, at, w.Label()),
		Hint:    report.LockLeak.Info().Hint,
	}
	f.Goroutines, f.Resources = b.graph.Goroutines, b.graph.Resources
	if fr := frameOf(h.pc); fr != nil {
		f.Positions = []string{fr.Pos()}
	}
	return f
}
