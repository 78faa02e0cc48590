package engine

import (
	"fmt"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// WaitError is returned by a wait that ended without what it waited for,
// because its context was done. It says why the wait could not finish:
// Graph is the wait-for graph around the waiter (who held the resource,
// what that goroutine waited for, and so on), and Error prints that chain.
type WaitError struct {
	Op        string        // the operation, e.g. "LockContext"
	Err       error         // the context's error
	Waited    time.Duration // how long it waited
	Goroutine int64         // the waiter
	Resource  string        // what it waited for, an id of Graph
	Graph     *waitgraph.Graph
}

func (we *WaitError) Error() string {
	s := fmt.Sprintf("gridlock: %s %s: %v after %v", we.Op, we.Resource, we.Err, we.Waited.Round(time.Millisecond))
	if we.Graph != nil {
		if chain := report.Chain(we.Graph, we.Goroutine); chain != "" {
			s += "\n" + chain
		}
	}
	return s
}

// Unwrap returns the context's error.
func (we *WaitError) Unwrap() error { return we.Err }

// Explain returns a WaitError for a wait ending because of err, with the
// wait-for graph around the waiter. Call it before End.
func (w *Wait) Explain(op string, err error) *WaitError {
	we := &WaitError{Op: op, Err: err}
	if w == nil {
		return we
	}
	if w.rec == nil {
		w.register() // it waited less than the grace period: show it anyway
		if w.rec == nil {
			return we
		}
	}
	r := w.rec
	we.Waited = time.Since(r.since)
	we.Goroutine = int64(r.g.id)
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		b := newBuilder(true)
		gr := b.visit(r.g)
		if gr.Wait != nil {
			we.Resource = gr.Wait.Resource
			// The waiter's own wait is not cancelable from its point of
			// view: show what would have happened without the context.
		}
		we.Graph = b.graph
	}()
	return we
}
