//lint:file-ignore SA2001 tests take locks for the order they show

package gridlock_test

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// request is a request to a long-lived writer, which calls Done on its
// WaitGroup when the request is written, as badger's writes do.
type request struct {
	wg sync.WaitGroup
}

// noStuck fails t if r recorded a deadlock or a partial deadlock.
func noStuck(t *testing.T, r *gridlocktest.Recorder) {
	t.Helper()
	for _, f := range r.Findings() {
		if f.Kind == report.Deadlock || f.Kind == report.PartialDeadlock {
			t.Errorf("correct code reported: %s", report.Text(f))
		}
	}
}

func TestWaitGroupCallbackIsNotTheWorker(t *testing.T) {
	// Each request's WaitGroup is Added by the sender, Done by a writer
	// started long before, and waited for by a callback goroutine started
	// after the Add: the callback does not owe the Done.
	r := gridlocktest.Record(t, gridlocktest.LongWait(300*time.Millisecond))
	writes := make(chan *request, 100)
	gate := make(chan bool)
	gridlock.Go("writer", func() {
		<-gate
		for req := range writes {
			req.wg.Done()
		}
	})
	var callbacks sync.WaitGroup
	for range 20 {
		req := new(request)
		req.wg.Add(1)
		writes <- req
		callbacks.Add(1)
		gridlock.Go("callback", func() {
			defer callbacks.Done()
			req.wg.Wait()
		})
	}
	// Let the callbacks' waits be registered and re-checked past the
	// long-wait threshold (an idle wait is no long-wait finding) before
	// the writer runs.
	time.Sleep(3 * 300 * time.Millisecond)
	close(gate)
	close(writes)
	callbacks.Wait()
	noStuck(t, r)
}

func TestWaitGroupLongLivedDoner(t *testing.T) {
	// A WaitGroup reused for every batch, paid by a long-lived writer.
	// In the second batch the batcher starts a helper after its Add that
	// needs the lock the batcher holds: the helper is not the only
	// goroutine that could call Done, the writer is known to, so there is
	// no deadlock.
	r := gridlocktest.Record(t, gridlocktest.LongWait(time.Hour))
	var mu sync.Mutex
	var batch sync.WaitGroup
	writes := make(chan bool)
	gridlock.Go("writer", func() {
		for range writes {
			batch.Done()
		}
	})
	batch.Add(1)
	writes <- true
	batch.Wait()

	helped := make(chan bool)
	mu.Lock()
	batch.Add(1)
	gridlock.Go("helper", func() {
		mu.Lock() // held by the batcher while it waits
		mu.Unlock()
		close(helped)
	})
	go func() {
		time.Sleep(300 * time.Millisecond) // past the waits' first checks
		writes <- true
	}()
	batch.Wait()
	mu.Unlock()
	<-helped
	close(writes)
	noStuck(t, r)
}

func TestWaitGroupOwersPerAdd(t *testing.T) {
	// One goroutine adds to a WaitGroup per request and starts one worker
	// after each Add: a worker owes the WaitGroup of its own request only,
	// not those of the requests before it.
	gridlocktest.Record(t, gridlocktest.LongWait(time.Hour))
	const n = 50
	reqs := make([]*request, n)
	gate := make(chan bool)
	for i := range reqs {
		reqs[i] = new(request)
		reqs[i].wg.Add(1)
		gridlock.Go("worker", func() {
			<-gate
			reqs[i].wg.Done()
		})
	}
	waited := make(chan bool)
	go func() {
		reqs[0].wg.Wait()
		close(waited)
	}()
	var rels []waitgraph.Releaser
	for deadline := time.Now().Add(5 * time.Second); rels == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, res := range gridlock.Snapshot().Resources {
			if res.Kind == waitgraph.WaitGroup {
				rels = res.Releasers
			}
		}
	}
	if len(rels) != 1 {
		t.Errorf("the first request's WaitGroup has %d releasers, want its own worker", len(rels))
	}
	close(gate)
	<-waited
}

func TestWaitGroupWorkerUnderLockDeadlocks(t *testing.T) {
	// The true deadlock stays found with workers started by go
	// statements after the Add (gridlock.Go, as gridlock test rewrites
	// them), one Add per worker: the batch waits with the lock they need.
	r := gridlocktest.Record(t)
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := make(chan bool)
	gridlock.Go("batch", func() {
		defer func() { recover() }() // its Unlock after the test released it
		defer close(done)
		mu.Lock()
		for range 3 {
			wg.Add(1)
			gridlock.Go("worker", func() {
				mu.Lock()
				mu.Unlock()
				wg.Done()
			})
		}
		wg.Wait()
		mu.Unlock()
	})
	f := waitFor(t, r, report.Deadlock)
	var res *waitgraph.Resource
	for _, rs := range f.Resources {
		if rs.Kind == waitgraph.WaitGroup {
			res = rs
		}
	}
	if res == nil || len(res.Releasers) != 3 || res.Quorum != 3 {
		t.Errorf("waitgroup releasers = %+v", res)
	}
	mu.Unlock()
	<-done
}

func TestWaitGroupCloserStartedFirst(t *testing.T) {
	// A closer that waits for the workers is started right after the
	// Add, before them: it takes the place of a worker, and the last
	// worker, slow, is not known to owe a Done. When the known workers
	// have paid, the closer's wait is not blocked for good.
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	const n = 3
	var wg sync.WaitGroup
	results := make(chan int, n)
	closed := make(chan bool)
	slow := make(chan bool)
	wg.Add(n)
	gridlock.Go("closer", func() {
		wg.Wait()
		close(results)
		close(closed)
	})
	for i := range n {
		gridlock.Go("worker", func() {
			defer wg.Done()
			if i == n-1 {
				<-slow
			}
			results <- i
		})
	}
	time.Sleep(3 * 200 * time.Millisecond) // the closer's wait was checked
	close(slow)
	<-closed
	noStuck(t, r)
}
