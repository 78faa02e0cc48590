package waitgraph

import (
	"fmt"
	"slices"
	"testing"
)

func waitingOn(id int64, res string, m Mode, holds ...string) *Goroutine {
	g := &Goroutine{ID: id, Wait: &WaitFor{Resource: res, Mode: m}}
	for _, h := range holds {
		g.Holds = append(g.Holds, Hold{Resource: h, Mode: Lock})
	}
	return g
}

func TestStuckDumpGraphs(t *testing.T) {
	exact := func(id string, k ResourceKind, rel ...Releaser) *Resource {
		return &Resource{ID: id, Kind: k, Exact: true, Releasers: rel}
	}
	tests := []struct {
		name  string
		g     Graph
		want  [][]int64 // members of each group
		cycle [][]int64
	}{
		{
			name: "ab-ba",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "b", Lock, "a"), waitingOn(2, "a", Lock, "b")},
				Resources:  []*Resource{exact("a", Mutex), exact("b", Mutex)},
			},
			want:  [][]int64{{1, 2}},
			cycle: [][]int64{{1, 2}},
		},
		{
			name: "holder runs",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "a", Lock), {ID: 2, Runnable: true, Holds: []Hold{{Resource: "a", Mode: Lock}}}},
				Resources:  []*Resource{exact("a", Mutex)},
			},
		},
		{
			name: "not exact",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "b", Lock, "a"), waitingOn(2, "a", Lock, "b")},
				Resources:  []*Resource{{ID: "a", Kind: Mutex}, {ID: "b", Kind: Mutex}},
			},
		},
		{
			name: "channel with a live sender (OR)",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "c", Recv), waitingOn(2, "x", Recv), {ID: 3, Runnable: true}},
				Resources:  []*Resource{exact("c", Chan, Releaser{Goroutine: 2}, Releaser{Goroutine: 3}), exact("x", Chan, Releaser{Goroutine: 1})},
			},
		},
		{
			name: "wait group needs every Done (AND)",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "wg", Wait), waitingOn(2, "x", Recv), {ID: 3, Runnable: true}},
				Resources: []*Resource{
					exact("wg", WaitGroup, Releaser{Goroutine: 2, Needed: true}, Releaser{Goroutine: 3, Needed: true}),
					exact("x", Chan),
				},
			},
			want: [][]int64{{1, 2}},
		},
		{
			name: "a chain behind a cycle",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "b", Lock, "a"), waitingOn(2, "a", Lock, "b"), waitingOn(3, "a", Lock), waitingOn(4, "c", Recv)},
				Resources:  []*Resource{exact("a", Mutex), exact("b", Mutex), exact("c", Chan, Releaser{Goroutine: 3})},
			},
			want:  [][]int64{{1, 2, 3, 4}},
			cycle: [][]int64{{1, 2}},
		},
		{
			name: "holders unknown: candidates, any one (OR)",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "m", Lock), waitingOn(2, "n", Lock), waitingOn(3, "m", Lock)},
				Resources: []*Resource{
					{ID: "m", Kind: Mutex, Exact: true, HoldersUnknown: true, Releasers: []Releaser{{Goroutine: 2}}},
					{ID: "n", Kind: Mutex, Exact: true, HoldersUnknown: true, Releasers: []Releaser{{Goroutine: 1}}},
				},
			},
			want:  [][]int64{{1, 2, 3}},
			cycle: [][]int64{{1, 2}},
		},
		{
			name: "holders unknown, one candidate running",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "m", Lock), {ID: 2, Runnable: true}, waitingOn(3, "n", Lock)},
				Resources: []*Resource{
					{ID: "m", Kind: Mutex, Exact: true, HoldersUnknown: true, Releasers: []Releaser{{Goroutine: 3}, {Goroutine: 2}}},
					{ID: "n", Kind: Mutex, Exact: true, HoldersUnknown: true, Releasers: []Releaser{{Goroutine: 1}}},
				},
			},
		},
		{
			name: "holders unknown, nobody can hold it",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "m", Lock)},
				Resources:  []*Resource{{ID: "m", Kind: Mutex, Exact: true, HoldersUnknown: true}},
			},
			want: [][]int64{{1}},
		},
		{
			name: "rlock behind a waiting writer",
			g: Graph{
				Goroutines: []*Goroutine{
					{ID: 1, Holds: []Hold{{Resource: "rw", Mode: RLock}}, Wait: &WaitFor{Resource: "rw", Mode: RLock}},
					waitingOn(2, "rw", Lock),
				},
				Resources: []*Resource{exact("rw", RWMutex)},
			},
			want:  [][]int64{{1, 2}},
			cycle: [][]int64{{1, 2}},
		},
		{
			name: "cancelable wait",
			g: Graph{
				Goroutines: []*Goroutine{waitingOn(1, "b", Lock, "a"), {ID: 2, Holds: []Hold{{Resource: "b", Mode: Lock}}, Wait: &WaitFor{Resource: "a", Mode: Lock, Cancelable: true}}},
				Resources:  []*Resource{exact("a", Mutex), exact("b", Mutex)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.Stuck()
			var members, cycles [][]int64
			for _, grp := range got {
				members = append(members, grp.Goroutines)
				if grp.Cycle != nil {
					cycles = append(cycles, grp.Cycle)
				}
			}
			if fmt.Sprint(members) != fmt.Sprint(tt.want) {
				t.Errorf("groups = %v, want %v", members, tt.want)
			}
			if fmt.Sprint(cycles) != fmt.Sprint(tt.cycle) {
				t.Errorf("cycles = %v, want %v", cycles, tt.cycle)
			}
		})
	}
}

// TestStuckLarge decides a graph with many goroutines on one lock and long
// chains; it would take minutes if each decision scanned every goroutine.
func TestStuckLargeChain(t *testing.T) {
	const n = 50000
	g := &Graph{Resources: []*Resource{{ID: "m", Kind: Mutex, Exact: true}}}
	g.Goroutines = append(g.Goroutines, waitingOn(1, "c0", Recv, "m"))
	for i := int64(2); i < n; i++ {
		g.Goroutines = append(g.Goroutines, waitingOn(i, "m", Lock))
	}
	// A chain of channels c0 <- c1 <- ... ending at a running goroutine.
	for i := range 1000 {
		g.Resources = append(g.Resources, &Resource{ID: fmt.Sprintf("c%d", i), Kind: Chan, Exact: true,
			Releasers: []Releaser{{Goroutine: int64(n + i)}}})
		next := fmt.Sprintf("c%d", i+1)
		if i == 999 {
			g.Goroutines = append(g.Goroutines, &Goroutine{ID: int64(n + i), Runnable: true})
			continue
		}
		g.Goroutines = append(g.Goroutines, waitingOn(int64(n+i), next, Recv))
	}
	if got := g.Stuck(); got != nil {
		t.Fatalf("Stuck = %d groups, want none: the chain ends at a running goroutine", len(got))
	}
	// Stop the last one: everything is stuck.
	g.Goroutines[len(g.Goroutines)-1].Runnable = false
	g.Goroutines[len(g.Goroutines)-1].Wait = &WaitFor{Resource: "c0", Mode: Recv}
	got := g.Stuck()
	if len(got) != 1 || len(got[0].Goroutines) != len(g.Goroutines) {
		t.Fatalf("Stuck = %d groups, want one of every goroutine", len(got))
	}
	// The chain closes on itself: n, n+1, ..., n+999, n.
	if c := got[0].Cycle; len(c) != 1000 || slices.Contains(c, 1) {
		t.Errorf("cycle of %d goroutines, want the 1000 of the chain", len(c))
	}
}

func TestLabelCount(t *testing.T) {
	g := &Goroutine{ID: 7, Count: 3}
	if got, want := g.Label(), "goroutine 7 and 2 alike"; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
}

func BenchmarkStuckConvoy(b *testing.B) {
	g := &Graph{Resources: []*Resource{{ID: "m", Kind: Mutex, Exact: true}}}
	g.Goroutines = append(g.Goroutines, &Goroutine{ID: 1, Holds: []Hold{{Resource: "m", Mode: Lock}}, Wait: &WaitFor{Resource: "x", Mode: Recv}})
	g.Resources = append(g.Resources, &Resource{ID: "x", Kind: Chan, Exact: true})
	for i := int64(2); i < 100000; i++ {
		g.Goroutines = append(g.Goroutines, waitingOn(i, "m", Lock))
	}
	for b.Loop() {
		g.Stuck()
	}
}
