//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// next returns "detect_test.go:N" for the line after the one that calls
// it, so that a test can write
//
//	at := next()
//	mu.Lock()
//
// and expect a finding to point at the line of mu.Lock.
func next() string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", filepath.Base(file), line+1)
}

// pos returns "file.go:N" of a frame.
func pos(f waitgraph.Frame) string { return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line) }

func wantKind(t *testing.T, r *gridlocktest.Recorder, k report.Kind, n int) []*report.Finding {
	t.Helper()
	fs := r.Of(k)
	if len(fs) != n {
		t.Fatalf("got %d %s findings, want %d; all findings: %v", len(fs), k, n, summaries(r.Findings()))
	}
	return fs
}

func summaries(fs []*report.Finding) []string {
	var s []string
	for _, f := range fs {
		s = append(s, report.Line(f))
	}
	return s
}

// orderSites returns, for each order edge of an inversion, "from→to@site
// of to".
func orderSites(f *report.Finding) []string {
	var s []string
	for _, o := range f.Orders {
		s = append(s, pos(o.Stack.Top()))
	}
	return s
}

func TestLockOrderInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	var a, b sync.Mutex
	var ab, ba string
	a.Lock()
	ab = next()
	b.Lock()
	b.Unlock()
	a.Unlock()
	wantKind(t, r, report.LockOrderInversion, 0) // one order is fine
	b.Lock()
	ba = next()
	a.Lock()
	a.Unlock()
	b.Unlock()
	f := wantKind(t, r, report.LockOrderInversion, 1)[0]
	if len(f.Orders) != 2 {
		t.Fatalf("cycle has %d edges, want 2", len(f.Orders))
	}
	got := orderSites(f)
	if !(got[0] == ba && got[1] == ab) {
		t.Errorf("edge sites = %v, want [%s %s]", got, ba, ab)
	}
	// The edge's FromStack is where the held lock was taken.
	if fs := f.Orders[1].FromStack; len(fs) == 0 || fs[0].Func != "github.com/gridlock-go/gridlock/sync_test.TestLockOrderInversion" {
		t.Errorf("FromStack of a→b = %v", fs)
	}
	// Reported once per cycle.
	b.Lock()
	a.Lock()
	a.Unlock()
	b.Unlock()
	wantKind(t, r, report.LockOrderInversion, 1)
}

func TestLockOrderInversionThreeLocks(t *testing.T) {
	r := gridlocktest.Record(t)
	var a, b, c sync.Mutex
	take := func(x, y *sync.Mutex) {
		x.Lock()
		y.Lock()
		y.Unlock()
		x.Unlock()
	}
	take(&a, &b)
	take(&b, &c)
	wantKind(t, r, report.LockOrderInversion, 0)
	take(&c, &a)
	f := wantKind(t, r, report.LockOrderInversion, 1)[0]
	if len(f.Orders) != 3 || len(f.Resources) != 3 {
		t.Fatalf("cycle = %d edges, %d resources; want 3, 3", len(f.Orders), len(f.Resources))
	}
	for i, o := range f.Orders {
		if next := f.Orders[(i+1)%3]; o.To != next.From {
			t.Errorf("edges %d and %d do not chain: %s→%s, %s→%s", i, i+1, o.From, o.To, next.From, next.To)
		}
	}
}

type conn struct {
	id int
	mu sync.Mutex
}

// transfer locks from, then to: the per-connection inversion of the article.
func transfer(from, to *conn) {
	from.mu.Lock()
	to.mu.Lock()
	to.mu.Unlock()
	from.mu.Unlock()
}

// transferOrdered locks the connection with the smaller id first.
func transferOrdered(x, y *conn) {
	if y.id < x.id {
		x, y = y, x
	}
	x.mu.Lock()
	y.mu.Lock()
	y.mu.Unlock()
	x.mu.Unlock()
}

func TestInstanceInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	c1, c2 := &conn{id: 1}, &conn{id: 2}
	transfer(c1, c2)
	transfer(c2, c1)
	f := wantKind(t, r, report.LockOrderInversion, 1)[0]
	for _, o := range f.Orders {
		if fr := o.Stack.Top(); !strings.HasSuffix(fr.Func, ".transfer") {
			t.Errorf("edge taken at %v, want in transfer", fr)
		}
	}
}

func TestNamedClassInversion(t *testing.T) {
	// "account then ledger" on one pair and "ledger then account" on
	// another pair: no pair was inverted, the classes were.
	r := gridlocktest.Record(t)
	type account struct{ mu sync.Mutex }
	type ledger struct{ mu sync.Mutex }
	newAccount := func() *account { a := new(account); gridlock.Name(&a.mu, "account"); return a }
	newLedger := func() *ledger { l := new(ledger); gridlock.Name(&l.mu, "ledger"); return l }
	a1, a2 := newAccount(), newAccount()
	l1, l2 := newLedger(), newLedger()
	a1.mu.Lock()
	l1.mu.Lock()
	l1.mu.Unlock()
	a1.mu.Unlock()
	l2.mu.Lock()
	a2.mu.Lock()
	a2.mu.Unlock()
	l2.mu.Unlock()
	f := wantKind(t, r, report.LockOrderInversion, 1)[0]
	var ids []string
	for _, res := range f.Resources {
		ids = append(ids, res.ID)
	}
	if strings.Join(ids, ",") != "ledger,account" && strings.Join(ids, ",") != "account,ledger" {
		t.Errorf("resources = %v, want the classes account and ledger", ids)
	}
}

func TestSameClassConsistentOrderIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	conns := make([]*conn, 8)
	for i := range conns {
		conns[i] = &conn{id: i}
		gridlock.Name(&conns[i].mu, "conn")
	}
	for i := range conns {
		for j := range conns {
			if i != j {
				transferOrdered(conns[i], conns[j])
			}
		}
	}
}

func TestSameClassInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	c1, c2 := &conn{id: 1}, &conn{id: 2}
	gridlock.Name(&c1.mu, "conn")
	gridlock.Name(&c2.mu, "conn")
	transfer(c1, c2)
	wantKind(t, r, report.LockOrderInversion, 0)
	transfer(c2, c1)
	f := wantKind(t, r, report.LockOrderInversion, 1)[0]
	if !strings.Contains(f.Summary, "of one class") {
		t.Errorf("summary %q does not say the locks are of one class", f.Summary)
	}
}

func TestTryLockReverseOrderIsNotInversion(t *testing.T) {
	gridlocktest.Check(t)
	var a, b sync.Mutex
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()
	// Back-off: try the first lock while holding the second.
	b.Lock()
	if a.TryLock() {
		a.Unlock()
	}
	b.Unlock()
}

func TestTryLockCountsAsHeld(t *testing.T) {
	r := gridlocktest.Record(t)
	var a, b sync.Mutex
	if !a.TryLock() {
		t.Fatal("TryLock of a free mutex failed")
	}
	b.Lock() // a → b: a try-locked lock is held
	b.Unlock()
	a.Unlock()
	b.Lock()
	a.Lock()
	a.Unlock()
	b.Unlock()
	wantKind(t, r, report.LockOrderInversion, 1)
}

func TestFailedTryLockKeepsHolder(t *testing.T) {
	r := gridlocktest.Record(t)
	var a sync.Mutex
	held := make(chan bool)
	release := make(chan bool)
	relocked := make(chan bool)
	go func() {
		a.Lock()
		held <- true
		<-release
		a.Lock() // recursive: must still be known as the holder
		close(relocked)
	}()
	<-held
	if a.TryLock() {
		t.Fatal("TryLock of a held mutex succeeded")
	}
	close(release)
	f := r.Wait(report.RecursiveLock, 2*time.Second)
	if f == nil {
		t.Fatal("no recursive-lock after a failed TryLock by another goroutine")
	}
	a.Unlock() // let the goroutine through
	<-relocked
	a.Unlock()
}

func TestHierarchy(t *testing.T) {
	r := gridlocktest.Record(t)
	var accounts, ledger sync.Mutex
	gridlock.Name(&accounts, "accounts")
	gridlock.Level(&accounts, 10)
	gridlock.Name(&ledger, "ledger")
	gridlock.Level(&ledger, 20)
	accounts.Lock()
	ledger.Lock()
	ledger.Unlock()
	accounts.Unlock()
	wantKind(t, r, report.HierarchyViolation, 0)
	var held, taken string
	held = next()
	ledger.Lock()
	taken = next()
	accounts.Lock()
	accounts.Unlock()
	ledger.Unlock()
	f := wantKind(t, r, report.HierarchyViolation, 1)[0]
	if len(f.Positions) != 2 || f.Positions[0] == "?" {
		t.Fatalf("positions = %v", f.Positions)
	}
	if got := filepath.Base(f.Positions[0]); got != taken {
		t.Errorf("violation at %s, want %s", got, taken)
	}
	if got := filepath.Base(f.Positions[1]); got != held {
		t.Errorf("held lock taken at %s, want %s", got, held)
	}
	if !strings.Contains(f.Summary, "accounts (level 10)") || !strings.Contains(f.Summary, "ledger (level 20)") {
		t.Errorf("summary = %q", f.Summary)
	}
	wantKind(t, r, report.LockOrderInversion, 0) // not reported twice
}

type node struct {
	mu   sync.Mutex
	next *node
}

func newNode() *node {
	n := new(node)
	gridlock.Level(&n.mu, 30) // one class: the call site
	return n
}

func TestHierarchySameLevel(t *testing.T) {
	r := gridlocktest.Record(t)
	a, b := newNode(), newNode()
	a.mu.Lock()
	b.mu.Lock()
	b.mu.Unlock()
	a.mu.Unlock()
	f := wantKind(t, r, report.HierarchyViolation, 1)[0]
	if !strings.Contains(f.Summary, "same level") {
		t.Errorf("summary = %q", f.Summary)
	}
}

func TestHierarchyNestable(t *testing.T) {
	r := gridlocktest.Record(t)
	list := newNode()
	list.next = newNode()
	list.next.next = newNode()
	gridlock.Nestable(&list.mu)
	// Hand over hand, head to tail: consistent.
	for range 3 {
		n := list
		n.mu.Lock()
		for n.next != nil {
			n.next.mu.Lock()
			n.mu.Unlock()
			n = n.next
		}
		n.mu.Unlock()
	}
	if fs := r.Findings(); len(fs) != 0 {
		t.Fatalf("hand-over-hand in list order reported: %v", summaries(fs))
	}
	// Tail to head: an inversion of the instances.
	last := list.next.next
	last.mu.Lock()
	list.mu.Lock()
	list.mu.Unlock()
	last.mu.Unlock()
	wantKind(t, r, report.LockOrderInversion, 1)
	wantKind(t, r, report.HierarchyViolation, 0)
}

// relockDeep is the article's foo() → bar() re-entrant lock.
type store struct {
	mu   sync.Mutex
	data map[string]int
}

func (s *store) foo() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bar()
}

func (s *store) bar() {
	s.mu.Lock() // relocks: hangs
	s.data["x"]++
	s.mu.Unlock()
}

func TestRecursiveLockDeepInCallChain(t *testing.T) {
	r := gridlocktest.Record(t)
	s := &store{data: map[string]int{}}
	done := make(chan bool)
	go func() {
		defer close(done)
		// Once released below, foo's deferred Unlock finds the mutex
		// unlocked: that panic is expected.
		defer func() { recover() }()
		s.foo()
	}()
	f := r.Wait(report.RecursiveLock, 2*time.Second)
	if f == nil {
		t.Fatal("no recursive-lock reported")
	}
	g := f.Goroutines[0]
	if got := g.Wait.Stack.Top().Func; !strings.HasSuffix(got, "(*store).bar") {
		t.Errorf("waits in %s, want (*store).bar", got)
	}
	if got := g.Holds[0].Stack.Top().Func; !strings.HasSuffix(got, "(*store).foo") {
		t.Errorf("held since %s, want (*store).foo", got)
	}
	// The goroutine is now stuck on itself: the same hang is not reported
	// again as a deadlock. Unlock on its behalf to let it finish.
	time.Sleep(300 * time.Millisecond)
	wantKind(t, r, report.Deadlock, 0)
	s.mu.Unlock()
	<-done
}

func TestRecursiveRLock(t *testing.T) {
	r := gridlocktest.Record(t)
	var rw sync.RWMutex
	var second string
	rw.RLock()
	second = next()
	rw.RLock()
	rw.RUnlock()
	rw.RUnlock()
	f := wantKind(t, r, report.RecursiveRLock, 1)[0]
	if got := pos(f.Goroutines[0].Wait.Stack.Top()); got != second {
		t.Errorf("reported at %s, want %s", got, second)
	}
	wantKind(t, r, report.RecursiveLock, 0)
}

func TestRecursiveRWMutexWriteRead(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, then func(*sync.RWMutex)
		// release frees the goroutine on its behalf; undo drops what it
		// then holds.
		release, undo func(*sync.RWMutex)
	}{
		{"LockThenRLock", (*sync.RWMutex).Lock, (*sync.RWMutex).RLock, (*sync.RWMutex).Unlock, (*sync.RWMutex).RUnlock},
		{"RLockThenLock", (*sync.RWMutex).RLock, (*sync.RWMutex).Lock, (*sync.RWMutex).RUnlock, (*sync.RWMutex).Unlock},
		{"LockThenLock", (*sync.RWMutex).Lock, (*sync.RWMutex).Lock, (*sync.RWMutex).Unlock, (*sync.RWMutex).Unlock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gridlocktest.Record(t)
			var rw sync.RWMutex
			done := make(chan bool)
			go func() {
				tc.first(&rw)
				tc.then(&rw) // hangs on itself until released below
				close(done)
			}()
			if r.Wait(report.RecursiveLock, 2*time.Second) == nil {
				t.Error("no recursive-lock reported")
			}
			tc.release(&rw)
			<-done
			tc.undo(&rw)
		})
	}
}

func TestDeadlock(t *testing.T) {
	r := gridlocktest.Record(t)
	var a, b sync.Mutex
	var bothHold stdsync.WaitGroup
	bothHold.Add(2)
	var waitA, waitB string
	start := time.Now()
	go func() {
		a.Lock()
		bothHold.Done()
		bothHold.Wait()
		waitB = next()
		b.Lock()
	}()
	go func() {
		b.Lock()
		bothHold.Done()
		bothHold.Wait()
		waitA = next()
		a.Lock()
	}()
	f := r.Wait(report.Deadlock, 3*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported; findings: %v", summaries(r.Findings()))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("reported after %v, want within 1s of forming", d)
	}
	if len(f.Goroutines) != 2 || len(f.Resources) != 2 {
		t.Fatalf("deadlock names %d goroutines and %d resources, want 2 and 2", len(f.Goroutines), len(f.Resources))
	}
	sites := map[string]bool{}
	for _, g := range f.Goroutines {
		if len(g.Holds) != 1 || g.Wait == nil {
			t.Fatalf("goroutine %d: holds %v, waits %v; want one hold and a wait", g.ID, g.Holds, g.Wait)
		}
		if g.Holds[0].Resource == g.Wait.Resource {
			t.Errorf("goroutine %d waits for what it holds", g.ID)
		}
		sites[pos(g.Wait.Stack.Top())] = true
		if len(g.Stack) == 0 {
			t.Errorf("goroutine %d has no current stack", g.ID)
		}
	}
	if !sites[waitA] || !sites[waitB] {
		t.Errorf("wait sites = %v, want %s and %s", sites, waitA, waitB)
	}
	// Release the deadlocked goroutines (Go allows unlocking from another
	// goroutine) so that the test leaves nothing behind.
	a.Unlock()
	b.Unlock()
}

func TestDeadlockThroughReaders(t *testing.T) {
	// A writer waits for a reader, which waits for a mutex the writer holds.
	r := gridlocktest.Record(t)
	var rw sync.RWMutex
	var mu sync.Mutex
	readerIn := make(chan bool)
	writerIn := make(chan bool)
	readerOut := make(chan bool)
	writerOut := make(chan bool)
	go func() {
		rw.RLock()
		readerIn <- true
		<-writerIn
		time.Sleep(50 * time.Millisecond) // let the writer park
		mu.Lock()
		close(readerOut)
	}()
	<-readerIn
	go func() {
		mu.Lock()
		writerIn <- true
		rw.Lock()
		close(writerOut)
	}()
	f := r.Wait(report.Deadlock, 3*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported; findings: %v", summaries(r.Findings()))
	}
	modes := map[waitgraph.Mode]bool{}
	for _, g := range f.Goroutines {
		modes[g.Wait.Mode] = true
	}
	if !modes[waitgraph.Lock] || len(f.Goroutines) != 2 {
		t.Errorf("goroutines = %d, wait modes %v", len(f.Goroutines), modes)
	}
	// Release both on their behalf, then drop what they end up holding.
	mu.Unlock()
	<-readerOut
	rw.RUnlock()
	<-writerOut
	rw.Unlock()
	mu.Unlock()
}

func TestLongWait(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	var mu sync.Mutex
	held := make(chan bool)
	release := make(chan bool)
	go func() {
		mu.Lock()
		held <- true
		<-release // a slow critical section
		mu.Unlock()
	}()
	<-held
	done := make(chan bool)
	go func() {
		mu.Lock()
		mu.Unlock()
		close(done)
	}()
	f := r.Wait(report.LongWait, 3*time.Second)
	close(release)
	<-done
	if f == nil {
		t.Fatal("no long-wait reported")
	}
	var holder *waitgraph.Goroutine
	for _, g := range f.Goroutines {
		if g.Wait == nil {
			holder = g
		}
	}
	if holder == nil || len(holder.Stack) == 0 {
		t.Fatalf("long-wait does not show the holder's stack:\n%s", report.Text(f))
	}
	if !strings.Contains(holder.Stack.Top().Func, "TestLongWait") {
		t.Errorf("holder stack top = %v, want in TestLongWait", holder.Stack.Top())
	}
	wantKind(t, r, report.LongWait, 1) // once per wait
}

func TestLockLeak(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	var mu sync.Mutex
	exited := make(chan bool)
	go func() {
		mu.Lock() // and never unlocks
		close(exited)
	}()
	<-exited
	time.Sleep(20 * time.Millisecond)
	go func() {
		mu.Lock()
	}()
	f := r.Wait(report.LockLeak, 3*time.Second)
	if f == nil {
		t.Fatalf("no lock-leak; findings: %v", summaries(r.Findings()))
	}
	if !strings.Contains(f.Summary, "exited") {
		t.Errorf("summary = %q", f.Summary)
	}
	mu.Unlock()
}

func TestConsistentOrderUnderContentionIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	var locks [4]sync.Mutex
	var rw sync.RWMutex
	counters := make([]int, len(locks))
	var wg stdsync.WaitGroup
	const goroutines, rounds = 64, 300
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				// Always in index order, starting anywhere.
				lo := (g + i) % len(locks)
				if i%3 == 0 {
					rw.RLock()
				} else if i%17 == 0 {
					rw.Lock()
				}
				for k := lo; k < len(locks); k++ {
					locks[k].Lock()
				}
				for k := lo; k < len(locks); k++ {
					counters[k]++
				}
				for k := len(locks) - 1; k >= lo; k-- {
					locks[k].Unlock()
				}
				if i%3 == 0 {
					rw.RUnlock()
				} else if i%17 == 0 {
					rw.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range counters {
		total += c
	}
	want := 0
	for g := range goroutines {
		for i := range rounds {
			want += len(locks) - (g+i)%len(locks)
		}
	}
	if total != want {
		t.Errorf("counters sum to %d, want %d: mutual exclusion broken", total, want)
	}
}

func TestHandOffUnlockIsSilent(t *testing.T) {
	// One goroutine locks, another unlocks: legal in Go.
	gridlocktest.Check(t)
	var mu, other sync.Mutex
	for range 100 {
		mu.Lock()
		done := make(chan bool)
		go func() {
			mu.Unlock()
			close(done)
		}()
		<-done
		other.Lock() // not ordered after mu: mu is no longer held
		other.Unlock()
	}
	other.Lock()
	mu.Lock()
	mu.Unlock()
	other.Unlock()
	// A mutex used as a semaphore: its holder locks it again and another
	// goroutine releases it. Once hand-offs were seen, that is not a
	// recursive lock.
	mu.Lock()
	go func() {
		time.Sleep(10 * time.Millisecond)
		mu.Unlock()
	}()
	mu.Lock()
	mu.Unlock()
}
