package waitgraph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// g builds a goroutine: holds is "res:mode,...", wait is "res:mode".
func gor(id int64, holds []waitgraph.Hold, wait *waitgraph.WaitFor) *waitgraph.Goroutine {
	return &waitgraph.Goroutine{ID: id, Holds: holds, Wait: wait, Runnable: wait == nil}
}

func hold(res string, m waitgraph.Mode) waitgraph.Hold { return waitgraph.Hold{Resource: res, Mode: m} }

func wait(res string, m waitgraph.Mode) *waitgraph.WaitFor {
	return &waitgraph.WaitFor{Resource: res, Mode: m}
}

func mutex(id string) *waitgraph.Resource {
	return &waitgraph.Resource{ID: id, Kind: waitgraph.Mutex, Exact: true}
}

func rwmutex(id string) *waitgraph.Resource {
	return &waitgraph.Resource{ID: id, Kind: waitgraph.RWMutex, Exact: true}
}

func channel(id string, exact bool, releasers ...int64) *waitgraph.Resource {
	r := &waitgraph.Resource{ID: id, Kind: waitgraph.Chan, Exact: exact}
	for _, g := range releasers {
		r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: g})
	}
	return r
}

func waitGroup(id string, owers ...int64) *waitgraph.Resource {
	r := &waitgraph.Resource{ID: id, Kind: waitgraph.WaitGroup, Exact: true}
	for _, g := range owers {
		r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: g, Needed: true})
	}
	return r
}

func TestStuck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		graph waitgraph.Graph
		want  string // fmt of []Group
	}{
		{
			name: "AB-BA",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{mutex("a"), mutex("b")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("a", waitgraph.Lock)}, wait("b", waitgraph.Lock)),
					gor(2, []waitgraph.Hold{hold("b", waitgraph.Lock)}, wait("a", waitgraph.Lock)),
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
		{
			name: "waiting on a running holder",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{mutex("a")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("a", waitgraph.Lock)}, nil),
					gor(2, nil, wait("a", waitgraph.Lock)),
				},
			},
			want: "[]",
		},
		{
			name: "bystander waits on a deadlocked goroutine",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{mutex("a"), mutex("b"), mutex("c")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("a", waitgraph.Lock), hold("c", waitgraph.Lock)}, wait("b", waitgraph.Lock)),
					gor(2, []waitgraph.Hold{hold("b", waitgraph.Lock)}, wait("a", waitgraph.Lock)),
					gor(3, nil, wait("c", waitgraph.Lock)),
					gor(4, nil, nil),
				},
			},
			want: "[{[1 2 3] [1 2]}]",
		},
		{
			name: "self wait",
			graph: waitgraph.Graph{
				Resources:  []*waitgraph.Resource{mutex("a")},
				Goroutines: []*waitgraph.Goroutine{gor(1, []waitgraph.Hold{hold("a", waitgraph.Lock)}, wait("a", waitgraph.Lock))},
			},
			want: "[{[1] [1]}]",
		},
		{
			name: "writer needs every reader",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{rwmutex("rw"), mutex("m")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("rw", waitgraph.RLock)}, nil), // a running reader
					gor(2, []waitgraph.Hold{hold("rw", waitgraph.RLock)}, wait("m", waitgraph.Lock)),
					gor(3, []waitgraph.Hold{hold("m", waitgraph.Lock)}, wait("rw", waitgraph.Lock)),
				},
			},
			want: "[{[2 3] [2 3]}]",
		},
		{
			name: "reader behind a waiting writer",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{rwmutex("rw")},
				Goroutines: []*waitgraph.Goroutine{
					// 1 read-holds and read-locks again behind writer 2.
					gor(1, []waitgraph.Hold{hold("rw", waitgraph.RLock)}, wait("rw", waitgraph.RLock)),
					gor(2, nil, wait("rw", waitgraph.Lock)),
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
		{
			name: "readers do not block readers",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{rwmutex("rw")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("rw", waitgraph.RLock)}, wait("rw", waitgraph.RLock)),
				},
			},
			want: "[]",
		},
		{
			name: "receive with a live sender",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{channel("ch", true, 2)},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, nil, wait("ch", waitgraph.Recv)),
					gor(2, nil, nil),
				},
			},
			want: "[]",
		},
		{
			name: "receive with no sender left",
			graph: waitgraph.Graph{
				Resources:  []*waitgraph.Resource{channel("ch", true)},
				Goroutines: []*waitgraph.Goroutine{gor(1, nil, wait("ch", waitgraph.Recv))},
			},
			want: "[{[1] []}]",
		},
		{
			name: "receive on an unknown channel",
			graph: waitgraph.Graph{
				Resources:  []*waitgraph.Resource{channel("ch", false)},
				Goroutines: []*waitgraph.Goroutine{gor(1, nil, wait("ch", waitgraph.Recv))},
			},
			want: "[]",
		},
		{
			name: "channel cycle",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{channel("c1", true, 2), channel("c2", true, 1)},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, nil, wait("c1", waitgraph.Recv)),
					gor(2, nil, wait("c2", waitgraph.Recv)),
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
		{
			name: "lock held across a send",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{mutex("m"), channel("ch", true, 2)},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("m", waitgraph.Lock)}, wait("ch", waitgraph.Send)),
					gor(2, nil, wait("m", waitgraph.Lock)),
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
		{
			name: "wait group needs every ower",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{waitGroup("wg", 2, 3), mutex("m")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("m", waitgraph.Lock)}, wait("wg", waitgraph.Wait)),
					gor(2, nil, nil),
					gor(3, nil, wait("m", waitgraph.Lock)),
				},
			},
			want: "[{[1 3] [1 3]}]",
		},
		{
			name: "wait group whose ower is gone",
			graph: waitgraph.Graph{
				Resources:  []*waitgraph.Resource{waitGroup("wg", 9)},
				Goroutines: []*waitgraph.Goroutine{gor(1, nil, wait("wg", waitgraph.Wait))},
			},
			want: "[{[1] []}]",
		},
		{
			name: "wait group needs as many Dones as its counter",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{
					{ID: "wg", Kind: waitgraph.WaitGroup, Exact: true, Quorum: 2,
						Releasers: []waitgraph.Releaser{{Goroutine: 2}, {Goroutine: 3}, {Goroutine: 4}}},
					mutex("m"),
				},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("m", waitgraph.Lock)}, wait("wg", waitgraph.Wait)),
					gor(2, nil, nil), // may Done
					gor(3, nil, wait("m", waitgraph.Lock)),
					gor(4, nil, wait("m", waitgraph.Lock)),
				},
			},
			want: "[{[1 3 4] [1 3]}]",
		},
		{
			name: "wait group: two free workers are enough",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{
					{ID: "wg", Kind: waitgraph.WaitGroup, Exact: true, Quorum: 2,
						Releasers: []waitgraph.Releaser{{Goroutine: 2}, {Goroutine: 3}, {Goroutine: 4}}},
					mutex("m"),
				},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("m", waitgraph.Lock)}, wait("wg", waitgraph.Wait)),
					gor(2, nil, nil),
					gor(3, nil, nil),
					gor(4, nil, wait("m", waitgraph.Lock)),
				},
			},
			want: "[]",
		},
		{
			name: "partly observed channel: alone, not stuck",
			graph: waitgraph.Graph{
				Resources:  []*waitgraph.Resource{{ID: "ch", Kind: waitgraph.Chan, Exact: true, Partial: true}},
				Goroutines: []*waitgraph.Goroutine{gor(1, nil, wait("ch", waitgraph.Recv))},
			},
			want: "[]",
		},
		{
			name: "partly observed channels: in a cycle, stuck",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{
					{ID: "c1", Kind: waitgraph.Chan, Exact: true, Partial: true, Releasers: []waitgraph.Releaser{{Goroutine: 2}}},
					{ID: "c2", Kind: waitgraph.Chan, Exact: true, Partial: true, Releasers: []waitgraph.Releaser{{Goroutine: 1}}},
					{ID: "c3", Kind: waitgraph.Chan, Exact: true, Partial: true, Releasers: []waitgraph.Releaser{{Goroutine: 1}}},
				},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, nil, wait("c1", waitgraph.Recv)),
					gor(2, nil, wait("c2", waitgraph.Recv)),
					gor(3, nil, wait("c3", waitgraph.Recv)), // waits on the cycle, not on it
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
		{
			name: "cancelable wait is never stuck",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{mutex("a"), mutex("b")},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{hold("a", waitgraph.Lock)}, &waitgraph.WaitFor{Resource: "b", Mode: waitgraph.Lock, Cancelable: true}),
					gor(2, []waitgraph.Hold{hold("b", waitgraph.Lock)}, wait("a", waitgraph.Lock)),
				},
			},
			want: "[]",
		},
		{
			name: "semaphore: two holders each waiting for a second permit",
			graph: waitgraph.Graph{
				Resources: []*waitgraph.Resource{{ID: "sem", Kind: waitgraph.Semaphore, Exact: true}},
				Goroutines: []*waitgraph.Goroutine{
					gor(1, []waitgraph.Hold{{Resource: "sem", Mode: waitgraph.Acquire, Count: 1}}, &waitgraph.WaitFor{Resource: "sem", Mode: waitgraph.Acquire, Count: 1}),
					gor(2, []waitgraph.Hold{{Resource: "sem", Mode: waitgraph.Acquire, Count: 1}}, &waitgraph.WaitFor{Resource: "sem", Mode: waitgraph.Acquire, Count: 1}),
				},
			},
			want: "[{[1 2] [1 2]}]",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.graph.Stuck()
			if s := fmt.Sprint(got); s != tc.want && !(s == "[]" && tc.want == "[]") {
				t.Errorf("Stuck() = %v, want %v", s, tc.want)
			}
		})
	}
}

func TestFindCycle(t *testing.T) {
	succ := map[int][]int{1: {2}, 2: {3}, 3: {1}, 4: {1}}
	got := waitgraph.FindCycle([]int{4, 1, 2, 3}, func(n int) []int { return succ[n] })
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("FindCycle = %v, want [1 2 3]", got)
	}
	if got := waitgraph.FindCycle([]int{1, 2}, func(n int) []int { return nil }); got != nil {
		t.Errorf("FindCycle on a DAG = %v", got)
	}
}

func BenchmarkStuck(b *testing.B) {
	// 1000 goroutines queued on one mutex held by a running goroutine.
	g := waitgraph.Graph{Resources: []*waitgraph.Resource{mutex("m")}}
	g.Goroutines = append(g.Goroutines, gor(0, []waitgraph.Hold{hold("m", waitgraph.Lock)}, nil))
	for i := int64(1); i <= 1000; i++ {
		g.Goroutines = append(g.Goroutines, gor(i, nil, wait("m", waitgraph.Lock)))
	}
	for b.Loop() {
		if s := g.Stuck(); s != nil {
			b.Fatal(s)
		}
	}
}
