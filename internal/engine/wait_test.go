package engine

import (
	"sync"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// collect configures the engine for a test and returns the findings
// delivered so far.
func collect(t *testing.T) func() []*report.Finding {
	t.Helper()
	prev := CurrentOptions()
	t.Cleanup(func() { Configure(prev) })
	Reset()
	var mu sync.Mutex
	var fs []*report.Finding
	Configure(Options{Level: LevelOn, OnFinding: func(f *report.Finding) {
		mu.Lock()
		fs = append(fs, f)
		mu.Unlock()
	}})
	return func() []*report.Finding {
		mu.Lock()
		defer mu.Unlock()
		return append([]*report.Finding(nil), fs...)
	}
}

func TestAsyncWaitRegisteredLateUsesItsStart(t *testing.T) {
	for _, held := range []bool{false, true} {
		t.Run(map[bool]string{false: "no lock held", true: "another lock held"}[held], func(t *testing.T) {
			asyncWaitRegisteredLate(t, held)
		})
	}
}

// asyncWaitRegisteredLate runs TestAsyncWaitRegisteredLateUsesItsStart;
// if held, the waiter holds a lock the partner never took across the
// wait, and the lock it takes after waking is its second.
func asyncWaitRegisteredLate(t *testing.T, held bool) {
	// A goroutine parked in a native select is woken just as the timer
	// registers its wait, and takes a lock: the wait held no lock, and it
	// has ended; nothing may be reported about it. The timer's hook
	// interleaves the wake-up exactly in the window between the timer's
	// check that the wait goes on and its registration.
	findings := collect(t)
	var pr PrimRef
	p := pr.Get(waitgraph.Chan, 0)
	var mu Ref
	// The channel's only sender has taken the lock before: a wait on the
	// channel under the lock could close a cycle.
	partner := make(chan uint64)
	go func() {
		gid := Goid()
		Acquired(gid, &mu, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&mu)
		p.NoteSend(gid)
		partner <- gid
	}()
	<-partner

	woken, locked, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	registered := make(chan struct{})
	var once sync.Once
	testHookRegister = func(a *AsyncWait, done bool) {
		if done {
			close(registered)
			return
		}
		once.Do(func() {
			close(woken)
			<-locked
		})
	}
	defer func() { testHookRegister = nil }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		gid := Goid()
		var other Ref
		if held {
			Acquired(gid, &other, waitgraph.Mutex, Write, 0, nil)
			defer ReleaseWrite(&other)
		}
		a := BeginAsync(gid, 0, WaitOn{Prim: p, Mode: waitgraph.Recv})
		<-woken // the select returns
		a.End()
		Acquired(gid, &mu, waitgraph.Mutex, Write, 0, nil)
		close(locked)
		<-release
		ReleaseWrite(&mu)
	}()
	<-registered // the timer's tick, findings delivered, is over
	close(release)
	<-done
	for _, f := range findings() {
		if f.Kind == report.LockHeldAcrossBlocking {
			t.Errorf("a wait that ended before its registration was reported: %s", f.Summary)
		}
	}
}
