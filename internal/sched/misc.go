package sched

import "runtime"

func runtimeCallers(skip int, pcs []uintptr) int { return runtime.Callers(skip, pcs) }

// abortRoot ends the root goroutine of a schedule that found something:
// its deferred calls run (the test's report among them).
// A test's goroutine fails its test (t.FailNow), so that testing does not
// take the exit for a misplaced runtime.Goexit.
func (s *Sched) abortRoot(g *G) {
	if g.failNow != nil {
		g.failNow()
	}
	runtime.Goexit()
}
