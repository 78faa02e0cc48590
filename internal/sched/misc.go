package sched

import "runtime"

func runtimeCallers(skip int, pcs []uintptr) int { return runtime.Callers(skip, pcs) }

// abortRoot ends the root goroutine of a schedule that found something:
// its deferred calls run (the test's report among them).
func (s *Sched) abortRoot() { runtime.Goexit() }
