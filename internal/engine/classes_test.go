package engine

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// recording runs f with the engine reset and on, and returns the findings
// it reported.
func recording(t *testing.T, f func()) []*report.Finding {
	t.Helper()
	prev := CurrentOptions()
	var mu sync.Mutex
	var fs []*report.Finding
	Reset()
	Configure(Options{Level: LevelOn, OnFinding: func(f *report.Finding) {
		mu.Lock()
		fs = append(fs, f)
		mu.Unlock()
	}})
	defer Configure(prev)
	f()
	mu.Lock()
	defer mu.Unlock()
	return fs
}

// here returns a call site on the caller's line and that line.
func here() (uintptr, int) {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	fr, _ := runtime.CallersFrames(pcs[:]).Next()
	return pcs[0], fr.Line
}

// sites are call sites registered as lock sites of declarations, as
// gridlock test's overlay registers them.
var (
	serverPC, serverLine = here()
	connPC, connLine     = here()
	_, registryLine      = here()
	registerOnce         sync.Once
)

func registerTestSites() {
	registerOnce.Do(func() {
		table := fmt.Sprintf("%d\tm\texample.com/p.Server.mu\tp.Server.mu\tServer.mu of *Server\t#0\n"+
			"%d\tm\texample.com/p.Conn.mu\tp.Conn.mu\tConn.mu of *Conn\t#1\n"+
			"%d\tm\texample.com/p.registry\tp.registry\t\t-",
			serverLine, connLine, registryLine)
		RegisterSites("github.com/gridlock-go/gridlock/internal/engine", "classes_test.go", table, []uintptr{0, 8})
	})
}

func lock(r *Ref, pc uintptr) { Acquired(Goid(), r, waitgraph.Mutex, Write, pc, nil) }

func TestDeclarationClasses(t *testing.T) {
	registerTestSites()
	recording(t, func() {
		var s1, s2, c Ref
		var own Ref
		lock(&s1, serverPC)
		ReleaseWrite(&s1)
		lock(&s2, serverPC)
		ReleaseWrite(&s2)
		lock(&c, connPC)
		ReleaseWrite(&c)
		lock(&own, 0)
		ReleaseWrite(&own)
		l1, l2, lc, lo := s1.Peek(), s2.Peek(), c.Peek(), own.Peek()
		if l1.class != l2.class || l1.class.decl == nil {
			t.Errorf("two locks of one declaration: classes %p and %p", l1.class, l2.class)
		}
		if lc.class == l1.class {
			t.Error("locks of two declarations share a class")
		}
		if !lo.class.singleton {
			t.Error("a lock first taken at an unregistered site has a declaration class")
		}
		for _, tc := range []struct{ got, want string }{
			{l1.Label(), "p.Server.mu"},
			{l1.label(), fmt.Sprintf("Server.mu of *Server %#x", l1.addr)},
			{lc.label(), fmt.Sprintf("Conn.mu of *Conn %#x", lc.addr-8)},
			{lo.label(), fmt.Sprintf("mutex#%d", lo.id)},
		} {
			if tc.got != tc.want {
				t.Errorf("label %q, want %q", tc.got, tc.want)
			}
		}
	})
}

// Server.mu → Conn.mu on one connection and Conn.mu → Server.mu on
// another is an inversion, found from one run, taken by two goroutines.
func TestInversionOfClassesOnOtherInstances(t *testing.T) {
	registerTestSites()
	fs := recording(t, func() {
		var s1, s2, c1, c2 Ref
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			lock(&s1, serverPC)
			lock(&c1, connPC)
			ReleaseWrite(&c1)
			ReleaseWrite(&s1)
		}()
		wg.Wait()
		lock(&c2, connPC)
		lock(&s2, serverPC)
		ReleaseWrite(&s2)
		ReleaseWrite(&c2)
	})
	if len(fs) != 1 || fs[0].Kind != report.LockOrderInversion {
		t.Fatalf("findings %v, want one lock-order-inversion", fs)
	}
	f := fs[0]
	var names []string
	for _, r := range f.Resources {
		names = append(names, r.Name)
	}
	if strings.Join(names, " ") != "p.Conn.mu p.Server.mu" {
		t.Errorf("resources %q, want the classes p.Conn.mu and p.Server.mu", names)
	}
	if len(f.Goroutines) != 2 {
		t.Errorf("%d goroutines, want 2", len(f.Goroutines))
	}
	for _, o := range f.Orders {
		if !strings.HasPrefix(o.FromLock, strings.TrimPrefix(o.From, "p.")+" of *") || !strings.HasPrefix(o.ToLock, strings.TrimPrefix(o.To, "p.")+" of *") {
			t.Errorf("order %s → %s shown by %q → %q, want the instances of the classes", o.From, o.To, o.FromLock, o.ToLock)
		}
	}
}

// Locks of one declaration nested in a consistent order are not an
// inversion; the reverse order of two of them is.
func TestNestedLocksOfOneClass(t *testing.T) {
	registerTestSites()
	var c [4]Ref
	// The engine records acquisitions of real locks: mu gives each lock
	// the mutual exclusion (and the happens-before edges) a lock has.
	var mu [4]sync.Mutex
	fs := recording(t, func() {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 3 {
					mu[i].Lock()
					lock(&c[i], connPC)
					mu[i+1].Lock()
					lock(&c[i+1], connPC)
					ReleaseWrite(&c[i+1])
					mu[i+1].Unlock()
					ReleaseWrite(&c[i])
					mu[i].Unlock()
				}
			}()
		}
		wg.Wait()
	})
	if len(fs) != 0 {
		t.Fatalf("consistent nesting reported: %v", fs)
	}
	fs = recording(t, func() {
		lock(&c[1], connPC)
		lock(&c[0], connPC)
		ReleaseWrite(&c[0])
		ReleaseWrite(&c[1])
		lock(&c[0], connPC)
		lock(&c[1], connPC)
		ReleaseWrite(&c[1])
		ReleaseWrite(&c[0])
	})
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "locks of one class") {
		t.Fatalf("findings %v, want the inversion of two Conn.mu", fs)
	}
	for _, r := range fs[0].Resources {
		if !strings.HasPrefix(r.ID, "Conn.mu of *Conn 0x") {
			t.Errorf("resource %q, want a Conn.mu named by its Conn", r.ID)
		}
	}
}

// A cycle whose orders one goroutine started by the code under test took
// (a callback serializer) is held until another goroutine takes one.
func TestCycleOfOneGoroutine(t *testing.T) {
	isClient = func() bool { return false }
	defer func() { isClient = clientGoroutine }()
	var a, b Ref
	ab := func() {
		lock(&a, 0)
		lock(&b, 0)
		ReleaseWrite(&b)
		ReleaseWrite(&a)
	}
	ba := func() {
		lock(&b, 0)
		lock(&a, 0)
		ReleaseWrite(&a)
		ReleaseWrite(&b)
	}
	var serializer uint64
	fs := recording(t, func() {
		done := make(chan bool)
		go func() {
			serializer = Goid()
			for range 3 {
				ab()
				ba()
			}
			close(done)
		}()
		<-done
	})
	if len(fs) != 0 {
		t.Fatalf("the orders of one goroutine reported: %v", fs)
	}
	// The engine keeps what it learned: another goroutine's AB now
	// completes the cycle.
	prev := CurrentOptions()
	var got []*report.Finding
	var mu sync.Mutex
	Configure(Options{Level: LevelOn, OnFinding: func(f *report.Finding) { mu.Lock(); got = append(got, f); mu.Unlock() }})
	defer Configure(prev)
	ab()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Kind != report.LockOrderInversion {
		t.Fatalf("findings %v, want the inversion once another goroutine took AB", got)
	}
	gs := map[int64]bool{}
	for _, o := range got[0].Orders {
		gs[o.Goroutine] = true
	}
	if !gs[int64(serializer)] || !gs[int64(Goid())] {
		t.Errorf("orders shown by goroutines %v, want %d and %d", gs, serializer, Goid())
	}
}

// fakeLock stands for a lock of the mirror in Declare.
type fakeLock struct{ ref Ref }

func (*fakeLock) Lock()   {}
func (*fakeLock) Unlock() {}

func TestDeclareKeepsTheChainCache(t *testing.T) {
	prevRefOf := RefOf
	RefOf = func(l any) LockInfo {
		if f, ok := l.(*fakeLock); ok {
			return LockInfo{Ref: &f.ref, Kind: waitgraph.Mutex}
		}
		return LockInfo{}
	}
	defer func() { RefOf = prevRefOf }()
	recording(t, func() {
		outer := new(fakeLock)
		Declare(outer, Declaration{Name: "outer", Level: 1}, 0)
		lock(&outer.ref, 0)
		defer ReleaseWrite(&outer.ref)
		first := new(fakeLock)
		Declare(first, Declaration{Name: "conn", Level: 2}, 0)
		lock(&first.ref, 0)
		ReleaseWrite(&first.ref)
		table := e.chains.t.Load()
		for range 1000 {
			c := new(fakeLock)
			Declare(c, Declaration{Name: "conn"}, 0)
			Declare(c, Declaration{Level: 2}, 0)
			lock(&c.ref, 0)
			ReleaseWrite(&c.ref)
		}
		if e.chains.t.Load() != table {
			t.Error("naming new locks of a known class reset the chain cache")
		}
		if n := e.chains.t.Load().n; n > 4 {
			t.Errorf("%d chains cached for 1000 locks of one class under one lock", n)
		}
	})
}

// A test's goroutine and the goroutines a test file starts run the code
// under test as its users do: their cycles are reported at once.
func TestClientGoroutines(t *testing.T) {
	if !clientGoroutine() {
		t.Error("a test's goroutine is not a client")
	}
	ch := make(chan bool)
	go func() { ch <- clientGoroutine() }()
	if !<-ch {
		t.Error("a goroutine started by a test file is not a client")
	}
}

// A level given to a lock of a declaration class (no name) makes it of the
// class of the call site of Level within that declaration, still named by
// its declaration.
func TestLevelOfADeclaredLock(t *testing.T) {
	registerTestSites()
	prevRefOf := RefOf
	RefOf = func(l any) LockInfo {
		if f, ok := l.(*fakeLock); ok {
			return LockInfo{Ref: &f.ref, Kind: waitgraph.Mutex}
		}
		return LockInfo{}
	}
	defer func() { RefOf = prevRefOf }()
	recording(t, func() {
		var a, b fakeLock
		lock(&a.ref, connPC)
		ReleaseWrite(&a.ref)
		lock(&b.ref, connPC)
		ReleaseWrite(&b.ref)
		decl := a.ref.Peek().class
		pc, _ := here()
		for _, f := range []*fakeLock{&a, &b} {
			Declare(f, Declaration{Level: 3}, pc)
		}
		la, lb := a.ref.Peek(), b.ref.Peek()
		if la.class != lb.class || la.class == decl || la.class.level != 3 || decl.level != 0 {
			t.Errorf("classes %p (level %d) and %p, declaration class %p (level %d): want one class of level 3 apart from the declaration's",
				la.class, la.class.level, lb.class, decl, decl.level)
		}
		if got := la.label(); !strings.HasPrefix(got, "Conn.mu of *Conn 0x") {
			t.Errorf("label %q, want the declaration's", got)
		}
	})
}
