//go:build !gridlock_off

package sync

import (
	"sync/atomic"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Once is an object that will perform exactly one action, watched by
// gridlock: goroutines waiting for the action are part of the wait-for
// graph, and an action that calls Do on its own Once — which deadlocks —
// is reported as a recursive-lock before it hangs.
//
// The API and its rules are the standard library's; a Once must not be
// copied after first use.
type Once struct {
	_    noCopy
	done atomic.Uint32
	m    Mutex
	// ref is the engine's record of m: a Once that was used need not
	// equal its zero value (done is set), so it keeps it in place of a
	// home, which is costly to make.
	ref engine.Ref
}

// Do calls the function f if and only if Do is being called for the first
// time for this instance of Once. No call to Do returns until the one call
// to f returns; if f panics, Do considers it to have returned.
//
//go:noinline
func (o *Once) Do(f func()) {
	if o.done.Load() == 0 {
		gid, pc := rt.Enter()
		o.doSlow(gid, pc, f)
	}
}

func (o *Once) doSlow(gid uint64, pc uintptr, f func()) {
	o.m.lockRef(gid, pc, waitgraph.Once, &o.ref)
	defer o.m.Unlock()
	if o.done.Load() == 0 {
		defer o.done.Store(1)
		f()
	}
}
