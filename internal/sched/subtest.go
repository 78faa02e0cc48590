package sched

import (
	"hash/fnv"
	"slices"
	"testing"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
)

// Run is t.Run(name, f) for a test under a schedule (gridlock explore
// rewrites t.Run into it): the subtest's goroutine is a goroutine of the
// schedule, and the test waits for it in the schedule, so the subtest's
// body and the goroutines it starts are part of the test's schedule. A
// finding in the subtest fails the subtest, and the schedule names it
// (Result.Test). Out of a schedule it is t.Run.
func Run(t *testing.T, name string, f func(*testing.T)) bool {
	s := Active()
	if s == nil || s.jit != nil {
		return t.Run(name, f)
	}
	s.mu.Lock()
	p := s.byID[engine.Goid()]
	if p == nil || s.over {
		s.mu.Unlock()
		return t.Run(name, f)
	}
	// The subtest's choices start afresh, from its name: they do not
	// depend on the subtests before it, which -run may leave out.
	h := fnv.New64a()
	h.Write([]byte(t.Name() + "/" + name))
	s.strat.restart(mix(s.tok.Seed, h.Sum64()), s.steps)
	sub := s.newG(name)
	p.st = blocked
	p.on = []Op{{Key: unsafe.Pointer(sub), Kind: Subtest}}
	p.why = wait{op: "t.Run", ops: p.on}
	s.progress.Add(1)
	s.dispatch(p)
	s.mu.Unlock()
	ok := t.Run(name, func(t *testing.T) {
		s.Begin(sub)
		s.mu.Lock()
		sub.test = t.Name()
		sub.failNow = t.FailNow
		s.roots = append(s.roots, sub)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if t.Failed() && s.failed == "" {
				s.failed = t.Name()
			}
			if i := slices.Index(s.roots, sub); i >= 0 {
				s.roots = slices.Delete(s.roots, i, i+1)
			}
			s.mu.Unlock()
			s.Exit(sub)
		}()
		f(t)
	})
	s.mu.Lock()
	if s.over || p.st == out {
		s.mu.Unlock()
		return ok
	}
	if sub.id == 0 && sub.st != finished {
		// Not run (-run does not select it): the test goes on.
		sub.st = finished
		if s.cur == sub {
			s.cur = nil
		}
		s.wakeOn(unsafe.Pointer(sub))
		if s.cur == nil {
			s.dispatch(nil)
		}
	}
	s.mu.Unlock()
	s.await(p) // its turn, given once the subtest ended
	return ok
}

// Parallel is t.Parallel() for a test under a schedule (gridlock explore
// rewrites t.Parallel into it): under a schedule it does nothing, and the
// (sub)test runs at once, in the schedule, as if it were not parallel: a
// parallel subtest would otherwise wait, out of the schedule, for its
// parent to return. Out of a schedule it is t.Parallel.
func Parallel(t *testing.T) {
	if s := Active(); s != nil && s.jit == nil {
		s.mu.Lock()
		_, ours := s.byID[engine.Goid()]
		s.mu.Unlock()
		if ours {
			return
		}
	}
	t.Parallel()
}

// Failed returns the name of the subtest the schedule failed in, "" if it
// did not fail in a subtest.
func (s *Sched) Failed() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}
