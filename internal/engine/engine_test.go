package engine

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestApplyEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want func(*Options) bool
	}{
		{map[string]string{}, func(o *Options) bool { return o.Level == LevelOn && o.LongWait == DefaultLongWait }},
		{map[string]string{"GRIDLOCK": "off"}, func(o *Options) bool { return o.Level == LevelOff }},
		{map[string]string{"GRIDLOCK": "STRICT"}, func(o *Options) bool { return o.Level == LevelStrict }},
		{map[string]string{"GRIDLOCK": "bogus"}, func(o *Options) bool { return o.Level == LevelOn }},
		{map[string]string{"GRIDLOCK_WAIT": "5s"}, func(o *Options) bool { return o.LongWait == 5*time.Second }},
		{map[string]string{"GRIDLOCK_WAIT": "-1s"}, func(o *Options) bool { return o.LongWait == DefaultLongWait }},
		{map[string]string{"GRIDLOCK_REPORT": "/tmp/x.jsonl"}, func(o *Options) bool { return o.ReportPath == "/tmp/x.jsonl" }},
		{map[string]string{"GRIDLOCK_OFF": "long-wait, recursive-rlock"}, func(o *Options) bool {
			return len(o.Off) == 2 && o.Off[0] == report.LongWait && o.Off[1] == report.RecursiveRLock
		}},
	} {
		o := &Options{Level: LevelOn, LongWait: DefaultLongWait}
		applyEnv(o, func(k string) string { return tc.env[k] })
		if !tc.want(o) {
			t.Errorf("env %v: options %+v", tc.env, o)
		}
	}
}

func TestGTable(t *testing.T) {
	Enabled()
	tab := newGTable(8)
	for id := uint64(1); id <= 3; id++ {
		tab.insert(&G{id: id})
	}
	for id := uint64(1); id <= 3; id++ {
		if g := tab.lookup(id); g == nil || g.id != id {
			t.Errorf("lookup(%d) = %v", id, g)
		}
	}
	if tab.lookup(99) != nil {
		t.Error("lookup of an absent id found something")
	}
}

func TestGoroutineStatesAreReclaimed(t *testing.T) {
	Enabled()
	before := e.stats.Reclaimed.Load()
	// Many short-lived goroutines, each taking a lock once.
	for range 20 {
		var wg sync.WaitGroup
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r Ref
				Acquired(Goid(), &r, waitgraph.Mutex, Write, 0, nil)
				ReleaseWrite(&r)
			}()
		}
		wg.Wait()
	}
	if e.stats.Reclaimed.Load() == before {
		t.Error("no goroutine state was reclaimed")
	}
	e.gmu.Lock()
	live := e.gtab.Load().live
	e.gmu.Unlock()
	if live > 1000 {
		t.Errorf("%d goroutine states live after 4000 goroutines came and went", live)
	}
}

func TestCache(t *testing.T) {
	var c cache
	c.init(4, 64)
	e.mu.Lock()
	for k := uint64(1); k <= 20; k++ {
		if !c.put(k*7919, uint32(k)) {
			t.Fatalf("put %d failed", k)
		}
	}
	for k := uint64(1); k <= 40; k++ {
		c.put(k*104729, 1)
	}
	e.mu.Unlock()
	for k := uint64(1); k <= 20; k++ {
		if v, ok := c.get(k * 7919); !ok || v != uint32(k) {
			t.Errorf("get(%d) = %d, %v", k*7919, v, ok)
		}
	}
	if _, ok := c.get(5); ok {
		t.Error("get of an absent key succeeded")
	}
}

func TestChainKeyNeverZero(t *testing.T) {
	for _, p := range [][2]uint64{{0, 0}, {1, 1}, {^uint64(0), 0}} {
		if chainKey(p[0], p[1]) == 0 {
			t.Errorf("chainKey(%d, %d) = 0", p[0], p[1])
		}
	}
	if chainKey(chainKey(0, 1), 2) == chainKey(chainKey(0, 2), 1) {
		t.Error("chain keys do not depend on order")
	}
}

// withOptions runs f with findings sent to a buffer.
func withOptions(t *testing.T, f func(out *bytes.Buffer)) {
	prev := CurrentOptions()
	var buf bytes.Buffer
	Reset()
	Configure(Options{Level: LevelOn, Output: &buf})
	defer Configure(prev)
	f(&buf)
}

func TestInternalErrorTurnsEngineOff(t *testing.T) {
	withOptions(t, func(*bytes.Buffer) {
		defer Configure(Options{Level: LevelOn})
		func() {
			defer guard()
			panic("boom")
		}()
		if Enabled() {
			t.Fatal("engine still on after an internal error")
		}
	})
}

func TestGarbageLocksLeaveTheGraph(t *testing.T) {
	withOptions(t, func(*bytes.Buffer) {
		gid := Goid()
		nest := func() {
			var a, b Ref
			Acquired(gid, &a, waitgraph.Mutex, Write, 0, nil)
			Acquired(gid, &b, waitgraph.Mutex, Write, 0, nil)
			ReleaseWrite(&b)
			ReleaseWrite(&a)
		}
		for range 1000 {
			nest()
		}
		nodes := func() int {
			e.mu.Lock()
			defer e.mu.Unlock()
			return len(e.classGraph.nodes)
		}
		if n := nodes(); n < 1000 {
			t.Fatalf("%d nodes after 1000 nested pairs", n)
		}
		deadline := time.Now().Add(10 * time.Second)
		for nodes() > 100 && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if n := nodes(); n > 100 {
			t.Errorf("%d nodes left after the locks became garbage", n)
		}
	})
}

func TestGraphIsBounded(t *testing.T) {
	og := newOrderGraph(4, 3)
	before := e.stats.DroppedEdges.Load() + e.stats.DroppedNodes.Load()
	info := func(id uint64) nodeInfo { return nodeInfo{id: id, writer: mutexWriter} }
	for i := uint64(1); i < 10; i++ {
		og.add(info(i), info(i+1), nil, nil)
	}
	if len(og.nodes) > 4 || og.edges > 3 {
		t.Errorf("graph grew to %d nodes, %d edges; caps are 4 and 3", len(og.nodes), og.edges)
	}
	if e.stats.DroppedEdges.Load()+e.stats.DroppedNodes.Load() == before {
		t.Error("nothing counted as dropped")
	}
}

func TestDeliverNeverHoldsEngineLocks(t *testing.T) {
	// A handler that takes the engine's locks' path (by validating a new
	// chain itself) must not deadlock.
	withOptions(t, func(*bytes.Buffer) {
		var calls atomic.Int32
		o := CurrentOptions()
		o.OnFinding = func(f *report.Finding) {
			calls.Add(1)
			var a, b Ref
			gid := Goid()
			Acquired(gid, &a, waitgraph.Mutex, Write, 0, nil)
			Acquired(gid, &b, waitgraph.Mutex, Write, 0, nil)
			ReleaseWrite(&b)
			ReleaseWrite(&a)
		}
		Configure(o)
		gid := Goid()
		var a, b Ref
		for _, order := range [][2]*Ref{{&a, &b}, {&b, &a}} {
			Acquired(gid, order[0], waitgraph.Mutex, Write, 0, nil)
			Acquired(gid, order[1], waitgraph.Mutex, Write, 0, nil)
			ReleaseWrite(order[1])
			ReleaseWrite(order[0])
		}
		if calls.Load() != 1 {
			t.Errorf("handler called %d times, want 1", calls.Load())
		}
	})
}

func TestStrictPanics(t *testing.T) {
	withOptions(t, func(*bytes.Buffer) {
		Configure(Options{Level: LevelStrict, Output: new(bytes.Buffer)})
		gid := Goid()
		var a, b Ref
		Acquired(gid, &a, waitgraph.Mutex, Write, 0, nil)
		Acquired(gid, &b, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&b)
		ReleaseWrite(&a)
		defer func() {
			r := recover()
			fe, ok := r.(*FindingError)
			if !ok || fe.Finding.Kind != report.LockOrderInversion || !strings.Contains(fe.Error(), "lock-order-inversion") {
				t.Errorf("recovered %v, want a *FindingError for the inversion", r)
			}
		}()
		Acquired(gid, &b, waitgraph.Mutex, Write, 0, nil)
		Acquired(gid, &a, waitgraph.Mutex, Write, 0, nil)
		t.Error("no panic in strict mode")
	})
}

func TestSlowGoidMatches(t *testing.T) {
	if rt.Supported() && Goid() != rt.SlowGoid() {
		t.Errorf("Goid() = %d, SlowGoid() = %d", Goid(), rt.SlowGoid())
	}
}

func TestSupersededAsyncWaitIsHarmless(t *testing.T) {
	// An async wait whose End never comes (its select panicked and was
	// recovered) while the goroutine waits again on a wait of its own, and
	// ends that, must neither stay in the graph nor break the engine at
	// its next check.
	withOptions(t, func(out *bytes.Buffer) {
		var r1, r2 PrimRef
		p1, p2 := r1.Get(waitgraph.Chan, 0), r2.Get(waitgraph.Chan, 0)
		gid := Goid()
		stale := BeginAsync(gid, 0, WaitOn{Prim: p1, Mode: waitgraph.Recv})
		time.Sleep(20 * time.Millisecond) // registered
		next := BeginWaitOn(gid, 0, false, WaitOn{Prim: p2, Mode: waitgraph.Recv})
		time.Sleep(2 * grace)
		next.Tick() // registers, as the waiter's timer would
		next.End()
		time.Sleep(firstCheck + 50*time.Millisecond) // the stale wait's check
		if !Enabled() {
			t.Fatalf("engine off: %s", out)
		}
		if n := len(Snapshot().Goroutines); n != 0 {
			t.Errorf("snapshot lists %d goroutines, want none", n)
		}
		e.wmu.Lock()
		left := len(e.byRes[p1]) + len(e.byRes[p2])
		e.wmu.Unlock()
		if left != 0 {
			t.Errorf("%d waiters left in the resource index", left)
		}
		stale.End()
	})
}

func TestChanMade(t *testing.T) {
	withOptions(t, func(*bytes.Buffer) {
		made, other := make(chan int), make(chan int)
		addr := func(c chan int) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&c)) }
		ChanMade(addr(made), 0, 7, 0)
		if got := ChanPrim(addr(made), 0).maker.Load(); got != 7 {
			t.Errorf("maker of a made channel = %d, want 7", got)
		}
		if got := ChanPrim(addr(other), 0).maker.Load(); got != 0 {
			t.Errorf("maker of a channel whose make was not seen = %d, want 0", got)
		}
		runtime.KeepAlive(made)
		runtime.KeepAlive(other)
	})
}

func TestRegisteredWaitChecksOnItsOwn(t *testing.T) {
	// Once registered, a wait is re-checked from a timer of its own and
	// the waiter's timer stops: the waiter parks on what it waits for
	// alone, where the runtime's leak detector can prove it stuck.
	prev := CurrentOptions()
	defer Configure(prev)
	Reset()
	var out syncBuffer
	Configure(Options{Level: LevelOn, Output: &out, LongWait: 200 * time.Millisecond})
	var r PrimRef
	p := r.Get(waitgraph.Chan, 0)
	// A send: a value no one takes is a long wait (an idle receiver is not).
	w := BeginWaitOn(Goid(), 0, false, WaitOn{Prim: p, Mode: waitgraph.Send})
	<-w.C()
	w.Tick()
	if !w.Detached() {
		t.Fatal("a registered wait is not detached")
	}
	if w.C() != nil {
		t.Fatal("a detached wait still gives the waiter a timer")
	}
	time.Sleep(600 * time.Millisecond)
	if !strings.Contains(out.String(), "long-wait") && !strings.Contains(out.String(), "partial-deadlock") {
		t.Errorf("no finding from the wait's own re-checks; output:\n%s", out.String())
	}
	w.End()
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestGraphIndexSharedKeys adds edges whose index keys are the same (ids
// past 32 bits) and checks each is found, and found gone once removed.
func TestGraphIndexSharedKeys(t *testing.T) {
	og := newOrderGraph(16, 16)
	info := func(id uint64) nodeInfo { return nodeInfo{id: id, writer: mutexWriter} }
	// The first three share a key; the last has one of its own.
	edges := [][2]uint64{{1, 0}, {0, 1 << 32}, {2, 1<<33 ^ 1<<32}, {3, 1<<33 | 1<<32}}
	for i, ed := range edges {
		if shared := edgeIndexKey(ed[0], ed[1]) == edgeIndexKey(1, 0); shared != (i < 3) {
			t.Fatalf("edge %v shares the key of {1, 0}: %v", ed, shared)
		}
		if added, _ := og.add(info(ed[0]), info(ed[1]), nil, nil); added == nil {
			t.Fatalf("edge %v not added", ed)
		}
	}
	for _, ed := range edges {
		if !og.has(ed[0], ed[1]) {
			t.Errorf("edge %v not found", ed)
		}
		if added, _ := og.add(info(ed[0]), info(ed[1]), nil, nil); added != nil {
			t.Errorf("edge %v added twice", ed)
		}
	}
	og.remove(0)
	for i, ed := range edges {
		if got, want := og.has(ed[0], ed[1]), ed[0] != 0 && ed[1] != 0; got != want {
			t.Errorf("after removing node 0: edge %d %v found = %v, want %v", i, ed, got, want)
		}
	}
	if og.edges != 2 || len(og.index) != 2 {
		t.Errorf("after removing node 0: %d edges, %d index keys; want 2 and 2", og.edges, len(og.index))
	}
}

// TestNodeFillIsInfo checks that a node made by fill is the one info
// describes, for classes and locks.
func TestNodeFillIsInfo(t *testing.T) {
	d := &decl{label: "Conn.mu"}
	for _, c := range []*Class{
		{id: 7, kind: waitgraph.Mutex, site: 42, writer: mutexWriter},
		{id: 8, kind: waitgraph.RWMutex, name: "server", level: 3, writer: new(atomic.Bool)},
		{id: 9, kind: waitgraph.Mutex, decl: d, writer: mutexWriter},
	} {
		var got nodeInfo
		c.fill(&got)
		if want := c.info(); got != want {
			t.Errorf("class %d: fill gave %+v, info %+v", c.id, got, want)
		}
		l := &Lock{id: 100 + c.id, kind: c.kind, class: c, addr: 0xc000, site: 43}
		got = nodeInfo{}
		l.fill(&got)
		if want := l.info(); got != want {
			t.Errorf("lock of class %d: fill gave %+v, info %+v", c.id, got, want)
		}
	}
}
