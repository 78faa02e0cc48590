//go:build !gridlock_off

//lint:file-ignore SA2001 the test takes locks for the order they show

package sync_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/sync"
)

// registerEpochSites registers the lines marked "class site" below as
// gridlock test's overlay would: the lock taken there is of the named
// struct field's class.
var registerEpochSites = stdsync.OnceFunc(func() {
	f, err := os.Open("epoch_test.go")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var table []string
	for line := 1; sc.Scan(); line++ {
		if _, c, ok := strings.Cut(sc.Text(), "// class site "); ok {
			table = append(table, fmt.Sprintf("%d\tm\texample.com/p.%s.mu\tp.%s.mu\t%s.mu of *%s\t#0", line, c, c, c, c))
		}
	}
	gridlock.LockSites("github.com/gridlock-go/gridlock/sync_test", "epoch_test.go", strings.Join(table, "\n"), 0)
})

//go:noinline
func lockA(m *sync.Mutex) { m.Lock() } // class site A

//go:noinline
func lockB(m *sync.Mutex) { m.Lock() } // class site B

// A lock of a declaration class gets no weak pointer (see engine.Epoch),
// yet a new lock at the address of a freed one never takes the freed
// one's record: class A is taken under outer, then new locks of class B,
// often at the addresses of freed A locks, are taken before outer, by
// four goroutines at once. Had one taken its A predecessor's record,
// outer and A would be inverted. Nothing is reported.
func TestNewLockAtAFreedAddressIsNotTheOld(t *testing.T) {
	registerEpochSites()
	r := gridlocktest.Record(t)
	var outer sync.Mutex
	var reused atomic.Int64
	var wg stdsync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			was := make(map[uintptr]bool)
			for i := 0; i < 50_000 && reused.Load() < 200; i++ {
				a := new(sync.Mutex)
				outer.Lock()
				lockA(a)
				a.Unlock()
				outer.Unlock()
				was[uintptr(unsafe.Pointer(a))] = true
				b := new(sync.Mutex)
				if was[uintptr(unsafe.Pointer(b))] {
					reused.Add(1)
				}
				lockB(b)
				outer.Lock()
				outer.Unlock()
				b.Unlock()
				if i%500 == 0 {
					runtime.GC()
				}
			}
		}()
	}
	wg.Wait()
	if reused.Load() == 0 {
		t.Skip("no B lock was allocated at a freed A lock's address")
	}
	if fs := r.Findings(); len(fs) != 0 {
		t.Errorf("%d new locks at freed locks' addresses; findings: %v", reused.Load(), summaries(fs))
	}
}
