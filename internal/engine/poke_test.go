package engine

import (
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
// registered by its waiter, from the poker's token, and that its End
// unregisters it.
func TestPokedWaitRegisters(t *testing.T) {
	collect(t)
	var pr PrimRef
	p := pr.Get(waitgraph.Cond, 0)
	g := Self(Goid())
	w := g.BeginWait(0, WaitOn{Prim: p, Mode: waitgraph.Wait})
	if w == nil || !w.poked {
		t.Fatal("no poked wait")
	}
	timeout := time.After(5 * time.Second)
	for !registered(g) {
		select {
		case <-w.C():
			w.Tick()
		case <-timeout:
			t.Fatal("a lasting poked wait was not registered")
		}
	}
	if w.C() != nil {
		t.Error("C of a registered wait is not nil: its checks run on their own")
	}
	w.End()
	if registered(g) {
		t.Error("End left the wait registered")
	}
}

// TestPokeForEndedWaitIsIgnored checks that a token sent for a wait that
// ended meanwhile does not register the goroutine's next wait before its
// own grace period.
func TestPokeForEndedWaitIsIgnored(t *testing.T) {
	collect(t)
	var pr PrimRef
	p := pr.Get(waitgraph.Cond, 0)
	g := Self(Goid())
	w := g.BeginWait(0, WaitOn{Prim: p, Mode: waitgraph.Wait})
	// The timer stays armed and never fires: the test sends the token.
	g.pk.t.Load().Stop()
	defer g.pk.armed.Store(false)
	// The poker's firing for the first wait, racing with its End.
	g.pk.poked.Store(w.seq)
	select {
	case g.pk.ch <- time.Time{}:
	default:
	}
	w.End()
	w = g.BeginWait(0, WaitOn{Prim: p, Mode: waitgraph.Wait})
	select {
	case <-w.C():
		w.Tick()
	case <-time.After(5 * time.Second):
		t.Fatal("no token")
	}
	if registered(g) {
		t.Error("a token for an ended wait registered the next one")
	}
	w.End()
}
