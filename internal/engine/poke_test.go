package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// registered reports whether g has a registered wait.
func registered(g *G) bool {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	return g.wait != nil
}

// TestPokedWaitRegisters checks that a poked wait that lasts is
// registered by its waiter, from the token its channel receives, and that
// its End unregisters it.
func TestPokedWaitRegisters(t *testing.T) {
	collect(t)
	g, w, ch := pokedWait(t)
	if w == nil || !w.poked || w.C() != nil {
		t.Fatal("no poked wait")
	}
	if err := awaitPoke(w, ch); err != "" {
		t.Fatal(err)
	}
	if !registered(g) {
		t.Fatal("the poked wait did not register")
	}
	if g.pk.target != nil {
		// The runtime's leak detector could never prove the waiter
		// blocked for good.
		t.Error("the poker still reaches the channel of a registered wait")
	}
	w.End()
	if registered(g) {
		t.Error("End left the wait registered")
	}
}

// TestNoPokeAfterEnd checks that once a poked wait has ended, the poker
// sends nothing more on its channel, which its owner may then reuse.
func TestNoPokeAfterEnd(t *testing.T) {
	collect(t)
	g, w, ch := pokedWait(t)
	w.End()
	// The firings that would have poked the wait, had it lasted.
	g.pk.seen.Store(w.seq)
	g.pk.fire()
	firePokers()
	firePokers()
	select {
	case <-ch:
		t.Error("the poker sent on the channel of an ended wait")
	case <-time.After(10 * time.Millisecond):
	}
}

// TestWaitsThatEndAreNotRegistered checks that poked waits that end
// within their grace period cost no registration.
func TestWaitsThatEndAreNotRegistered(t *testing.T) {
	collect(t)
	var pr PrimRef
	p := pr.Get(waitgraph.Cond, 0)
	g := Self(Goid())
	ch := make(chan uint8, 1)
	for range 1000 {
		w := g.BeginWait(0, WaitOn{Prim: p, Mode: waitgraph.Wait}, ch)
		if registered(g) {
			t.Fatal("a wait registered as it began")
		}
		w.End()
	}
}

// TestPokersOfManyGoroutines checks that the one timer pokes the lasting
// waits of many goroutines, each on its own channel, and goes idle once
// none waits.
func TestPokersOfManyGoroutines(t *testing.T) {
	collect(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, w, ch := pokedWait(t)
			if err := awaitPoke(w, ch); err != "" {
				errs <- err
			}
			w.End()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pokers.armed.Load() || pokers.head.Load() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the poking timer is still armed with no wait left")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestStalePokeAfterDetach checks that a Tick on a wait whose re-checks
// were handed to the engine's queue, as a poke sent before the wait
// registered makes its waiter call, leaves the re-checks to the queue: the
// waiter arms no timer of its own.
func TestStalePokeAfterDetach(t *testing.T) {
	collect(t)
	_, w, ch := pokedWait(t)
	if err := awaitPoke(w, ch); err != "" {
		t.Fatal(err)
	}
	if w.checker == nil {
		t.Skip("the wait was not detached (strict mode?)")
	}
	w.Tick() // the stale poke
	if w.timed || w.C() != nil {
		t.Error("a Tick after detach armed the waiter's timer: the waiter and the queue would both re-check")
	}
	w.End()
}

// pokedWait begins a poked wait of the calling goroutine on a new Cond's
// record, parked on the channel it returns.
func pokedWait(t *testing.T) (*G, *Wait, chan uint8) {
	t.Helper()
	var pr PrimRef
	p := pr.Get(waitgraph.Cond, 0)
	g := Self(Goid())
	ch := make(chan uint8, 1)
	return g, g.BeginWait(0, WaitOn{Prim: p, Mode: waitgraph.Wait}, ch), ch
}

// awaitPoke waits for the token on ch, as a waiter parked on it would, and
// calls w's Tick; it reports what went wrong, or "".
func awaitPoke(w *Wait, ch chan uint8) string {
	select {
	case msg := <-ch:
		if msg != Poke {
			return fmt.Sprintf("channel received %d, want Poke", msg)
		}
		w.Tick()
		return ""
	case <-time.After(5 * time.Second):
		return "a lasting poked wait was not poked"
	}
}
