package debughttp_test

import (
	"io"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/debughttp"
	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Four places where idle goroutines wait, so that they make four groups.
func idleA(ch chan struct{}) { <-ch }
func idleB(ch chan struct{}) { <-ch }
func idleC(ch chan struct{}) { <-ch }
func idleD(ch chan struct{}) { <-ch }

// BenchmarkSnapshot100k takes the live snapshot of a program with 100,000
// goroutines. In "channels", all of them are blocked on channel receives
// in four functions; in "mixed", 50,000 of them queue on one watched
// mutex instead (each in gridlock's wait registry, the holder running).
// "engine" is engine.LiveSnapshot; "http" is a request to api/snapshot,
// JSON included.
func BenchmarkSnapshot100k(b *testing.B) {
	b.Run("channels", func(b *testing.B) { benchSnapshot(b, 0, 100_000) })
	b.Run("mixed", func(b *testing.B) { benchSnapshot(b, 50_000, 50_000) })
}

func benchSnapshot(b *testing.B, waiters, idle int) {
	var mu sync.Mutex
	mu.Lock()
	ch := make(chan struct{})
	var done sync.WaitGroup
	done.Add(waiters + idle)
	for i := range waiters + idle {
		go func() {
			defer done.Done()
			switch {
			case i < waiters:
				mu.Lock()
				mu.Unlock()
			case i%4 == 0:
				idleA(ch)
			case i%4 == 1:
				idleB(ch)
			case i%4 == 2:
				idleC(ch)
			default:
				idleD(ch)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for engine.BlockedByKind()[waitgraph.Mutex] < waiters {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d waiters registered", engine.BlockedByKind()[waitgraph.Mutex], waiters)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Cleanup(func() {
		close(ch)
		mu.Unlock()
		done.Wait()
	})
	b.Run("engine", func(b *testing.B) {
		for b.Loop() {
			s := engine.LiveSnapshot(0)
			if s.Goroutines < waiters+idle || len(s.Groups) > 20 {
				b.Fatalf("%d goroutines in %d groups", s.Goroutines, len(s.Groups))
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		h := debughttp.Handler()
		i := 0
		for b.Loop() {
			// Alternate listed, so that no request shares the last
			// snapshot.
			i++
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", api.Root+api.PathSnapshot+"?listed="+strconv.Itoa(100+i%2), nil))
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
			io.Copy(io.Discard, w.Body)
		}
	})
}

// BenchmarkMutexMetrics measures an uncontended Lock and Unlock of a
// watched mutex before the live view is first requested ("off": one
// atomic load more than without the live view) and after ("on": the
// acquisition is counted and the hold timed).
func BenchmarkMutexMetrics(b *testing.B) {
	lockUnlock := func(b *testing.B) {
		var mu sync.Mutex
		n := 0
		for b.Loop() {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}
	b.Run("off", func(b *testing.B) {
		if engine.MetricsEnabled() {
			b.Skip("metrics already on")
		}
		lockUnlock(b)
	})
	b.Run("on", func(b *testing.B) {
		engine.EnableMetrics()
		lockUnlock(b)
	})
}
