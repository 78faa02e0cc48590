package engine

import (
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// mapID returns the identity of a map's storage.
func mapID[K comparable, V any](m map[K]V) uintptr {
	return uintptr(reflect.ValueOf(m).UnsafePointer())
}

// TestWaitRegistryShrinks checks that the registry of waits gives back the
// room of a burst of waits once they have ended: many goroutines, each
// holding a lock of its own, wait at once, each for a lock of the test's;
// then the locks are released, the goroutines exit, and after a
// collection the registry's maps are rebuilt for what they hold.
func TestWaitRegistryShrinks(t *testing.T) {
	collect(t)
	const n = 4 * minShrink
	ls := make([]Ref, n)
	for i := range ls {
		Acquired(Goid(), &ls[i], waitgraph.Mutex, Write, 0, nil)
	}
	var registered, ended sync.WaitGroup
	release := make(chan struct{})
	for i := range n {
		l := &ls[i]
		registered.Add(1)
		ended.Add(1)
		go func() {
			defer ended.Done()
			gid := Goid()
			var own Ref
			Acquired(gid, &own, waitgraph.Mutex, Write, 0, nil)
			w := BeginWait(Self(gid), l.Peek(), Write, 0, false)
			w.register()
			registered.Done()
			<-release
			w.End()
			ReleaseWrite(&own)
		}()
	}
	registered.Wait()
	e.wmu.Lock()
	big := len(e.waiters)
	ids := []uintptr{mapID(e.waiters), mapID(e.byRes), mapID(e.heldBy)}
	e.wmu.Unlock()
	if big < n {
		t.Fatalf("%d waits registered, want %d", big, n)
	}
	close(release)
	ended.Wait()
	for i := range ls {
		ReleaseWrite(&ls[i])
	}
	runtime.GC()
	sweepTables()
	e.wmu.Lock()
	defer e.wmu.Unlock()
	for i, m := range []uintptr{mapID(e.waiters), mapID(e.byRes), mapID(e.heldBy)} {
		if m == ids[i] {
			t.Errorf("map %d of the wait registry kept the room of %d waits, holding %d", i, n, []int{len(e.waiters), len(e.byRes), len(e.heldBy)}[i])
		}
	}
}

// TestChainCacheShrinks checks that the chain cache, grown to hold the
// chains of many locks of their own classes, is rebuilt at its initial
// size once the mirror has forgotten most of their records.
func TestChainCacheShrinks(t *testing.T) {
	collect(t)
	gid := Goid()
	var outer Ref
	Acquired(gid, &outer, waitgraph.Mutex, Write, 0, nil)
	const n = 1 << 13 // twice the cache's initial size
	for range n {
		var r Ref // a lock of its own class, under outer
		Acquired(gid, &r, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&r)
	}
	ReleaseWrite(&outer)
	e.mu.Lock()
	grown := len(e.chains.t.Load().keys)
	e.mu.Unlock()
	if grown <= e.chains.min {
		t.Fatalf("chain cache of %d slots after %d new chains: it did not grow", grown, n)
	}
	Forgotten(n) // as the mirror's sweep reports forgetting their records
	sweepTables()
	if got := len(e.chains.t.Load().keys); got != e.chains.min {
		t.Errorf("chain cache of %d slots after its chains' records were forgotten, want %d", got, e.chains.min)
	}
	// A chain cached again is found again.
	Acquired(gid, &outer, waitgraph.Mutex, Write, 0, nil)
	var r Ref
	Acquired(gid, &r, waitgraph.Mutex, Write, 0, nil)
	ReleaseWrite(&r)
	ReleaseWrite(&outer)
	if e.chains.t.Load().n == 0 {
		t.Error("no chain cached after the rebuild")
	}
}

// TestLivenessDroppedAfterExits checks that the dump of the goroutines
// made while many ran is dropped once most have exited.
func TestLivenessDroppedAfterExits(t *testing.T) {
	const n = 4 * minShrink
	var started, exited sync.WaitGroup
	release := make(chan struct{})
	for range n {
		started.Add(1)
		exited.Add(1)
		go func() {
			defer exited.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	liveness.mu.Lock()
	dumpLiveness()
	big := len(liveness.ids)
	liveness.mu.Unlock()
	if big < n {
		t.Fatalf("the dump lists %d goroutines, want at least %d", big, n)
	}
	close(release)
	exited.Wait()
	sweepTables()
	liveness.mu.Lock()
	defer liveness.mu.Unlock()
	if len(liveness.ids) >= n {
		t.Errorf("the dump of %d goroutines is kept after they exited", len(liveness.ids))
	}
}

// TestTakenSet checks that a goroutine's set of taken locks remembers
// each lock and the site it was first taken at, from its first small set
// through its growth to the bound, and costs one allocation at first.
func TestTakenSet(t *testing.T) {
	g := new(G)
	if n := testing.AllocsPerRun(10, func() {
		g.taken.Store(nil)
		g.addTaken(1, 100)
	}); n != 1 {
		t.Errorf("a first taken lock costs %v allocations, want 1", n)
	}
	g.taken.Store(nil)
	for _, n := range []uint64{1, smallTaken, 3 * smallTaken, maxTaken} {
		for id := uint64(1); id <= n; id++ {
			if _, ok := g.took(&Lock{id: id}); !ok {
				g.addTaken(id, uintptr(1000+id))
			}
		}
		for id := uint64(1); id <= n; id++ {
			if pc, ok := g.took(&Lock{id: id}); !ok || pc != uintptr(1000+id) {
				t.Fatalf("after %d locks: took(%d) = %d, %v; want %d, true", n, id, pc, ok, 1000+id)
			}
		}
		if _, ok := g.took(&Lock{id: n + 1}); ok {
			t.Fatalf("after %d locks: a lock never taken is remembered", n)
		}
	}
}

// TestPutOffChecksSpread checks that waits whose re-checks were put off
// together are re-checked at different times, not all at once (each
// timer firing starts a goroutine).
func TestPutOffChecksSpread(t *testing.T) {
	until := time.Now().Add(20 * time.Millisecond).UnixNano()
	seen := map[time.Duration]bool{}
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 1000 {
		r := &waitRec{putOff: until, next: firstCheck, longDone: true}
		d := nextCheck(r)
		seen[d.Round(time.Millisecond)] = true
		lo, hi = min(lo, d), max(hi, d)
		if r.putOff != 0 {
			t.Fatal("the put-off time was not consumed")
		}
	}
	if lo < time.Millisecond || hi > 45*time.Millisecond {
		t.Errorf("put-off re-checks in [%v, %v], want within [1ms, 42ms]", lo, hi)
	}
	if len(seen) < 10 {
		t.Errorf("1000 put-off re-checks fall in %d distinct milliseconds, want them spread", len(seen))
	}
}

// TestDetachedChecksQueue checks that the re-checks of many detached waits
// are queued for one goroutine, not a timer each (whose firings each start
// a goroutine), and that a wait that ends leaves the queue with its
// record.
func TestDetachedChecksQueue(t *testing.T) {
	collect(t)
	const n = 500
	ls := make([]Ref, n)
	for i := range ls {
		Acquired(Goid(), &ls[i], waitgraph.Mutex, Write, 0, nil)
	}
	var detached, ended sync.WaitGroup
	release := make(chan struct{})
	before := runtime.NumGoroutine()
	for i := range n {
		l := &ls[i]
		detached.Add(1)
		ended.Add(1)
		go func() {
			defer ended.Done()
			w := BeginWait(Self(Goid()), l.Peek(), Write, 0, false)
			w.register()
			w.detach()
			detached.Done()
			<-release
			w.End()
		}()
	}
	detached.Wait()
	checks.mu.Lock()
	queued := len(checks.h)
	checks.mu.Unlock()
	if queued < n {
		t.Errorf("%d re-checks queued for %d detached waits", queued, n)
	}
	if extra := runtime.NumGoroutine() - before - n; extra > 1 {
		t.Errorf("%d goroutines besides the waiters run their re-checks, want at most 1", extra)
	}
	close(release)
	ended.Wait()
	for i := range ls {
		ReleaseWrite(&ls[i])
	}
	checks.mu.Lock()
	defer checks.mu.Unlock()
	for _, c := range checks.h {
		if c.rec.g.wait != c.rec {
			t.Fatal("a wait that ended is still queued for re-checks")
		}
	}
}
