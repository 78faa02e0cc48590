package engine

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestSplitStatus(t *testing.T) {
	for _, tc := range []struct {
		in    string
		state string
		min   int
	}{
		{"running", "running", 0},
		{"chan receive, 2 minutes", "chan receive", 2},
		{"select, 15 minutes, locked to thread", "select, locked to thread", 15},
		{"sync.Mutex.Lock", "sync.Mutex.Lock", 0},
		{"chan send (leaked)", "chan send (leaked)", 0},
	} {
		state, min := splitStatus(tc.in)
		if state != tc.state || min != tc.min {
			t.Errorf("splitStatus(%q) = %q, %d; want %q, %d", tc.in, state, min, tc.state, tc.min)
		}
	}
}

// TestBuildLive groups goroutines alike in state and stack, lists those
// in the wait-for graph first, bounds the lists and keeps the counts.
func TestBuildLive(t *testing.T) {
	now := time.Now()
	worker := []rt.Frame{{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 1}, {Func: "app.worker", File: "/app/w.go", Line: 10}}
	other := []rt.Frame{{Func: "app.other", File: "/app/o.go", Line: 5}}
	var dump []*rt.Goroutine
	for id := int64(1); id <= 5; id++ {
		dump = append(dump, &rt.Goroutine{ID: id, Status: "chan receive, 3 minutes", Frames: worker})
	}
	dump = append(dump,
		&rt.Goroutine{ID: 6, Status: "chan receive", Frames: other},
		&rt.Goroutine{ID: 7, Status: "select", Frames: worker}, // waits for a lock
		&rt.Goroutine{ID: 8, Status: "running", Frames: other}, // holds it
	)
	graph := &waitgraph.Graph{
		Goroutines: []*waitgraph.Goroutine{
			{ID: 7, Wait: &waitgraph.WaitFor{Resource: "m#1", Mode: waitgraph.Lock, Since: now.Add(-time.Second), Stack: waitgraph.Stack{{Func: "app.worker", File: "/app/w.go", Line: 10}}}},
			{ID: 8, Runnable: true, Holds: []waitgraph.Hold{{Resource: "m#1", Mode: waitgraph.Lock}}},
			{ID: 99, Runnable: true}, // exited since: not in the dump
		},
		Resources: []*waitgraph.Resource{{ID: "m#1", Kind: waitgraph.Mutex, Name: "app.mu"}},
	}
	s := buildLive(graph, nil, dump, now, 2)
	if s.Goroutines != 8 || len(s.Cycles) != 0 {
		t.Fatalf("goroutines %d, cycles %v", s.Goroutines, s.Cycles)
	}
	type want struct {
		state, fn string
		count     int
		listed    []int64
		more      int
	}
	wants := []want{
		{"blocked: mutex lock", "app.worker", 1, []int64{7}, 0},
		{"running", "app.other", 1, []int64{8}, 0},
		{"chan receive", "app.worker", 5, []int64{1, 2}, 3},
		{"chan receive", "app.other", 1, []int64{6}, 0},
	}
	if len(s.Groups) != len(wants) {
		t.Fatalf("%d groups, want %d: %+v", len(s.Groups), len(wants), s.Groups)
	}
	for i, w := range wants {
		g := s.Groups[i]
		var ids []int64
		for _, m := range g.Goroutines {
			ids = append(ids, m.ID)
		}
		if g.State != w.state || g.Function != w.fn || g.Count != w.count || g.More != w.more || len(ids) != len(w.listed) || ids[0] != w.listed[0] {
			t.Errorf("group %d = %s %s ×%d listed %v more %d; want %+v", i, g.State, g.Function, g.Count, ids, g.More, w)
		}
	}
	if g := s.Groups[2]; g.MinWaitSeconds != 180 || g.MaxWaitSeconds != 180 || g.Where != "/app/w.go:10" {
		t.Errorf("workers: wait %v–%v at %s", g.MinWaitSeconds, g.MaxWaitSeconds, g.Where)
	}
	if m := s.Groups[0].Goroutines[0]; m.Wait == nil || m.Wait.Resource != "m#1" || m.WaitSeconds < 1 {
		t.Errorf("waiter = %+v", m)
	}
	if len(s.Resources) != 1 || len(s.Resources[0].Holders) != 1 || s.Resources[0].Holders[0].Goroutine != 8 || len(s.Resources[0].Waiters) != 1 || s.Resources[0].Class != "app.mu" {
		t.Errorf("resources = %+v", s.Resources)
	}
}
