package stuck

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Goroutines of a test binary's dump, as runtime.Stack prints them.
const (
	harnessG = `goroutine 1 [chan receive]:
testing.(*T).Run(0xc000003a00, {0x5b44f9?, 0x0?}, 0x5c1ac8)
	/go/src/testing/testing.go:2109 +0x4e5
main.main()
	_testmain.go:48 +0xa5
`
	agentG = `goroutine 6 [running]:
github.com/gridlock-go/gridlock/agent.serve()
	/gl/agent/agent.go:145 +0x165
created by github.com/gridlock-go/gridlock/agent.Start in goroutine 1
	/gl/agent/agent.go:98 +0x2f1
`
	testG = `goroutine 20 [chan receive%s]:
example.com/m.TestHang(0xc000003c00)
	/m/m_test.go:16 +0x2d
testing.tRunner(0xc000003c00, 0x5c1ac8)
	/go/src/testing/testing.go:2036 +0xea
created by testing.(*T).Run in goroutine 1
	/go/src/testing/testing.go:2101 +0x4c5
`
	workerG = `goroutine 21 [chan send%s]:
example.com/m.worker()
	/m/m.go:12 +0x69
created by example.com/m.TestHang in goroutine 20
	/m/m_test.go:14 +0x98
`
	sleeperG = `goroutine 22 [sleep]:
time.Sleep(0x2faf080)
	/go/src/runtime/time.go:363 +0x165
example.com/m.poll()
	/m/m.go:30 +0x45
created by example.com/m.TestHang in goroutine 20
	/m/m_test.go:15 +0x98
`
	// The live view's server of gridlock run -http: its accept loop and
	// a connection it started.
	serverG = `goroutine 8 [IO wait]:
internal/poll.(*FD).Accept(0xc000180000)
	/go/src/internal/poll/fd_unix.go:613 +0x28c
net/http.(*Server).Serve(0xc000182000, {0x8b1d40, 0xc000190000})
	/go/src/net/http/server.go:3424 +0x30c
github.com/gridlock-go/gridlock/agent/serve.serve(0xc000182000, {0x8b1d40, 0xc000190000})
	/gl/agent/serve/serve.go:66 +0x2f
created by github.com/gridlock-go/gridlock/agent/serve.Start in goroutine 1
	/gl/agent/serve/serve.go:61 +0x3a5
`
	connG = `goroutine %d [IO wait]:
internal/poll.(*FD).Read(0xc000200000, {0xc000210000, 0x1000, 0x1000})
	/go/src/internal/poll/fd_unix.go:165 +0x27a
net/http.(*conn).serve(0xc000220000, {0x8b2300, 0xc000230000})
	/go/src/net/http/server.go:2102 +0x625
created by net/http.(*Server).Serve in goroutine %d
	/go/src/net/http/server.go:3454 +0x485
`
	nilChanG = `goroutine 23 [chan send (nil chan)]:
example.com/m.emit()
	/m/m.go:40 +0x45
created by example.com/m.TestHang in goroutine 20
	/m/m_test.go:15 +0x98
`
	lockerG = `goroutine %d [select]:
github.com/gridlock-go/gridlock/sync.park(0x9881988cb00, 0x98819892080, 0x0)
	/gl/sync/queue.go:94 +0xbe
github.com/gridlock-go/gridlock/sync.(*Mutex).Lock(0x98819886240)
	/gl/sync/mutex.go:58 +0xc5
example.com/m.transfer()
	/m/m.go:%d +0x30
created by example.com/m.TestHang in goroutine 20
	/m/m_test.go:14 +0xd6
`
)

func dump(gs ...string) []byte { return []byte(strings.Join(gs, "\n")) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// abba is the detector's graph of goroutines 30 and 31 in an AB-BA
// deadlock on mutexes a and b.
func abba() *waitgraph.Graph {
	return &waitgraph.Graph{
		Resources: []*waitgraph.Resource{{ID: "a", Kind: waitgraph.Mutex, Exact: true}, {ID: "b", Kind: waitgraph.Mutex, Exact: true}},
		Goroutines: []*waitgraph.Goroutine{
			{ID: 30, Holds: []waitgraph.Hold{{Resource: "a", Mode: waitgraph.Lock}}, Wait: &waitgraph.WaitFor{Resource: "b", Mode: waitgraph.Lock, Stack: waitgraph.Stack{{Func: "example.com/m.transfer", File: "/m/m.go", Line: 50}}}},
			{ID: 31, Holds: []waitgraph.Hold{{Resource: "b", Mode: waitgraph.Lock}}, Wait: &waitgraph.WaitFor{Resource: "a", Mode: waitgraph.Lock, Stack: waitgraph.Stack{{Func: "example.com/m.transfer", File: "/m/m.go", Line: 51}}}},
		},
	}
}

// timerG is a timer's function of gridlock's, running.
const timerG = `goroutine 90 [runnable]:
github.com/gridlock-go/gridlock/internal/engine.(*checker).tick(0xc0001)
	/gl/internal/engine/wait.go:300 +0x25
time.goFunc({0x5a, 0xc0})
	/go/src/time/sleep.go:215 +0x2d
created by time.goFunc
	/go/src/time/sleep.go:215 +0x45
`

// hookG is a goroutine parked in one of gridlock's hooks for native
// channels, as gridlock test's rewrite makes them.
const hookG = `goroutine %d [select]:
github.com/gridlock-go/gridlock.recv[...](0x56df16?, 0x56df16?, 0x37c72d04310)
	/gl/native.go:91 +0x25a
github.com/gridlock-go/gridlock.Recv[...](0x37c72d04310)
	/gl/native.go:63 +0x45
example.com/m.run()
	/m/m.go:%d +0xd6
created by example.com/m.TestHang in goroutine 20
	/m/m_test.go:14 +0xd6
`

// abbaJoined is abba with goroutine 32 waiting on a WaitGroup that
// goroutines 30 and 31 owe a Done.
func abbaJoined() *waitgraph.Graph {
	g := abba()
	g.Resources = append(g.Resources, &waitgraph.Resource{ID: "wg", Kind: waitgraph.WaitGroup, Exact: true, Quorum: 2,
		Releasers: []waitgraph.Releaser{{Goroutine: 30, Needed: true}, {Goroutine: 31, Needed: true}}})
	g.Goroutines = append(g.Goroutines, &waitgraph.Goroutine{ID: 32, Wait: &waitgraph.WaitFor{Resource: "wg", Mode: waitgraph.Wait, Stack: waitgraph.Stack{{Func: "example.com/m.run", File: "/m/m.go", Line: 70}}}})
	return g
}

// nativeWaits is the detector's graph of goroutines 40 and 41, each
// receiving from a native channel on which no goroutine was seen to send.
func nativeWaits() *waitgraph.Graph {
	return &waitgraph.Graph{
		Resources: []*waitgraph.Resource{{ID: "chan#1", Kind: waitgraph.Chan, Partial: true}, {ID: "chan#2", Kind: waitgraph.Chan, Partial: true}},
		Goroutines: []*waitgraph.Goroutine{
			{ID: 40, Wait: &waitgraph.WaitFor{Resource: "chan#1", Mode: waitgraph.Recv, Stack: waitgraph.Stack{{Func: "example.com/m.run", File: "/m/m.go", Line: 60}}}},
			{ID: 41, Wait: &waitgraph.WaitFor{Resource: "chan#2", Mode: waitgraph.Recv, Stack: waitgraph.Stack{{Func: "example.com/m.run", File: "/m/m.go", Line: 61}}}},
		},
	}
}

// madeBy is nativeWaits with chan#1 made by goroutine m1 and chan#2 by m2.
func madeBy(m1, m2 int64) *waitgraph.Graph {
	g := nativeWaits()
	g.Resources[0].Maker, g.Resources[1].Maker = m1, m2
	return g
}

// cancelable makes goroutine id's wait in g one with a context.
func cancelable(g *waitgraph.Graph, id int64) *waitgraph.Graph {
	for _, gr := range g.Goroutines {
		if gr.ID == id {
			gr.Wait.Cancelable = true
		}
	}
	return g
}

// leakedHook is hookG for goroutine id at line, proven blocked for good.
func leakedHook(id, line int) string {
	return strings.Replace(sprintf(hookG, id, line), "[select]", "[chan receive (leaked)]", 1)
}

// filled makes g's channels buffered ones their makers sent on.
func filled(g *waitgraph.Graph) *waitgraph.Graph {
	for _, r := range g.Resources {
		r.Cap, r.MakerSent = 1, true
	}
	return g
}

// handedOn adds to g's channels a partner seen before, goroutine 99, which
// has exited.
func handedOn(g *waitgraph.Graph) *waitgraph.Graph {
	for _, r := range g.Resources {
		r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: 99, Why: "sent on it before (exited)"})
	}
	return g
}

// sending turns g's waits into sends.
func sending(g *waitgraph.Graph) *waitgraph.Graph {
	for _, gr := range g.Goroutines {
		gr.Wait.Mode = waitgraph.Send
	}
	return g
}

// condHeld is the detector's graph of goroutine 50 waiting on a condition
// while it holds lock a, and goroutine 51 waiting for a; signalled lists
// goroutines known to have signalled the condition.
func condHeld(signalled ...int64) *waitgraph.Graph {
	cond := &waitgraph.Resource{ID: "cond#1", Kind: waitgraph.Cond, Exact: true}
	for _, id := range signalled {
		cond.Releasers = append(cond.Releasers, waitgraph.Releaser{Goroutine: id, Why: "signalled it before"})
	}
	return &waitgraph.Graph{
		Resources: []*waitgraph.Resource{{ID: "a", Kind: waitgraph.Mutex, Exact: true}, cond},
		Goroutines: []*waitgraph.Goroutine{
			{ID: 50, Holds: []waitgraph.Hold{{Resource: "a", Mode: waitgraph.Lock}}, Wait: &waitgraph.WaitFor{Resource: "cond#1", Mode: waitgraph.Wait, Stack: waitgraph.Stack{{Func: "example.com/m.take", File: "/m/m.go", Line: 80}}}},
			{ID: 51, Wait: &waitgraph.WaitFor{Resource: "a", Mode: waitgraph.Lock, Stack: waitgraph.Stack{{Func: "example.com/m.put", File: "/m/m.go", Line: 81}}}},
		},
	}
}

// leaked marks a goroutine of the dump as proven blocked for good.
func leaked(g string) string { return strings.Replace(g, "[select]", "[select (leaked)]", 1) }

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         Input
		want       []report.Kind
		positions  []string
		frozen     bool
		mainStuck  bool
		deadlocked bool
		still      bool // an earlier dump is the same: Prev is Stacks
	}{{
		name:      "leaked goroutine",
		in:        Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, " (leaked)")), Leaks: true},
		want:      []report.Kind{report.PartialDeadlock},
		positions: []string{"/m/m.go:12"},
	}, {
		name: "leaked goroutine already in a partial-deadlock finding",
		in:   Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, " (leaked)")), Leaks: true, Leaked: map[int64]bool{21: true}},
	}, {
		name: "blocked but not provably, no hang",
		in:   Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, "")), Leaks: true},
	}, {
		name:      "hung: nothing can run",
		still:     true,
		in:        Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, "")), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m_test.go:16", "/m/m.go:12"},
		frozen:    true, mainStuck: true,
	}, {
		name:      "hung: nothing can run, the live view's server and its connection aside",
		still:     true,
		in:        Input{Stacks: dump(harnessG, agentG, serverG, sprintf(testG, ""), sprintf(workerG, ""), sprintf(connG, 24, 8)), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m_test.go:16", "/m/m.go:12"},
		frozen:    true, mainStuck: true,
	}, {
		name: "hung, but the program's own server waits for a connection",
		in:   Input{Stacks: dump(harnessG, agentG, serverG, sprintf(testG, ""), sprintf(workerG, ""), sprintf(connG, 24, 20)), Hung: true},
	}, {
		name: "hung, but a goroutine sleeps: it may release the others",
		in:   Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, ""), sleeperG), Hung: true},
	}, {
		name:      "nil channel: blocked by construction",
		in:        Input{Stacks: dump(harnessG, agentG, nilChanG)},
		want:      []report.Kind{report.PartialDeadlock},
		positions: []string{"/m/m.go:40"},
	}, {
		name: "started before the tests",
		in:   Input{Stacks: dump(harnessG, agentG, nilChanG), Baseline: 25},
	}, {
		name:       "a circular wait on watched locks",
		in:         Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51))},
		want:       []report.Kind{report.Deadlock},
		positions:  []string{"/m/m.go:50", "/m/m.go:51"},
		deadlocked: true,
	}, {
		name:   "a circular wait already reported, and the test behind it",
		still:  true,
		in:     Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51)), Hung: true, Reported: map[int64]bool{30: true, 31: true}},
		frozen: true, mainStuck: true,
		deadlocked: true,
	}, {
		name: "native channels with no partner seen, the program running",
		in:   Input{Graph: nativeWaits(), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61), sleeperG), Hung: true},
	}, {
		name:      "native channels with no partner seen, the program frozen",
		still:     true,
		in:        Input{Graph: nativeWaits(), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:    true,
	}, {
		name:      "native channels, a goroutine the runtime proved blocked for good",
		in:        Input{Graph: nativeWaits(), Stacks: dump(harnessG, agentG, strings.Replace(sprintf(hookG, 40, 60), "[select]", "[chan receive (leaked)]", 1), sprintf(hookG, 41, 61), sleeperG), Leaks: true, Hung: true},
		want:      []report.Kind{report.PartialDeadlock},
		positions: []string{"/m/m.go:60"},
	}, {
		name:       "a circular wait already reported, and a goroutine joined on it",
		still:      true,
		in:         Input{Graph: abbaJoined(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51), strings.Replace(sprintf(lockerG, 32, 70), "transfer", "run", 1)), Hung: true, Reported: map[int64]bool{30: true, 31: true}},
		frozen:     true,
		deadlocked: true,
	}, {
		name:       "native channels each made by the other's waiter, the program frozen",
		still:      true,
		in:         Input{Graph: madeBy(41, 40), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:       []report.Kind{report.Deadlock},
		positions:  []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:     true,
		deadlocked: true,
	}, {
		name: "native channels each made by the other's waiter, the program running",
		in:   Input{Graph: madeBy(41, 40), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61), sleeperG), Hung: true},
	}, {
		name:      "native channels made by their receivers, no other goroutine seen with them: no cycle",
		still:     true,
		in:        Input{Graph: madeBy(40, 41), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:    true,
	}, {
		name:       "buffered channels made and filled by their senders, no other goroutine seen with them: each waits for itself",
		still:      true,
		in:         Input{Graph: filled(sending(madeBy(40, 41))), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:       []report.Kind{report.Deadlock, report.Deadlock},
		positions:  []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:     true,
		deadlocked: true,
	}, {
		name:      "unbuffered channels made by their senders, no other goroutine seen with them: no cycle",
		still:     true,
		in:        Input{Graph: sending(madeBy(40, 41)), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:    true,
	}, {
		name:      "buffered channels made and filled by their senders, handed to goroutines that exited: no cycle",
		still:     true,
		in:        Input{Graph: handedOn(filled(sending(madeBy(40, 41)))), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:    true,
	}, {
		// Goroutine 41 waits with a context: the graph frees it, so it
		// must not free the goroutine waiting on the channel it made.
		name:      "a channel made by a goroutine the graph does not find stuck",
		in:        Input{Graph: cancelable(madeBy(41, 0), 41), Stacks: dump(harnessG, agentG, leakedHook(40, 60), leakedHook(41, 61)), Leaks: true},
		want:      []report.Kind{report.PartialDeadlock},
		positions: []string{"/m/m.go:60"},
	}, {
		name:      "a channel made by a goroutine not proven blocked for good",
		in:        Input{Graph: madeBy(41, 40), Stacks: dump(harnessG, agentG, strings.Replace(sprintf(hookG, 40, 60), "[select]", "[chan receive (leaked)]", 1), sprintf(hookG, 41, 61), sleeperG), Leaks: true, Hung: true},
		want:      []report.Kind{report.PartialDeadlock},
		positions: []string{"/m/m.go:60"},
	}, {
		name: "a condition's waiter holds the lock its only possible signaller waits for",
		in:   Input{Graph: condHeld(), Stacks: dump(harnessG, agentG, leaked(sprintf(lockerG, 50, 80)), leaked(sprintf(lockerG, 51, 81))), Leaks: true},
		// And the waiter holds the lock across the wait: the lock the
		// signaller needs is gone with it.
		want:       []report.Kind{report.Deadlock, report.LockHeldAcrossBlocking},
		positions:  []string{"/m/m.go:80", "/m/m.go:81", "/m/m.go:80", "/m/m.go:81"},
		deadlocked: true,
	}, {
		name:      "a condition signalled before by a goroutine that has exited: blocked for good, no cycle",
		in:        Input{Graph: condHeld(99), Stacks: dump(harnessG, agentG, leaked(sprintf(lockerG, 50, 80)), leaked(sprintf(lockerG, 51, 81))), Leaks: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock, report.LockHeldAcrossBlocking},
		positions: []string{"/m/m.go:80", "/m/m.go:81", "/m/m.go:80", "/m/m.go:81"},
	}, {
		// The detector's graph alone says no one may signal: blocked for
		// good, but a cycle is claimed only on the runtime's proof.
		name:      "a condition's waiter and a lock waiter not proven blocked for good",
		in:        Input{Graph: condHeld(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 50, 80), sprintf(lockerG, 51, 81)), Leaks: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m.go:80", "/m/m.go:81"},
	}, {
		// One dump cannot tell a frozen program from one whose goroutines
		// all wait for a timer to fire (a ticker, time.After).
		name: "hung: nothing runs now, one dump",
		in:   Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, "")), Hung: true},
	}, {
		name: "hung: nothing runs now, and an earlier dump showed a goroutine elsewhere",
		in: Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, "")), Hung: true,
			Prev: dump(harnessG, agentG, sprintf(testG, ""), strings.Replace(sprintf(workerG, ""), "m.go:12", "m.go:11", 1))},
	}, {
		name: "hung: nothing runs now, and an earlier dump showed a goroutine since gone",
		in: Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, "")), Hung: true,
			Prev: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, ""), sleeperG)},
	}, {
		name: "hung: nothing runs now, and the earlier dump differs only in gridlock's own goroutines",
		in: Input{Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(workerG, ""), timerG), Hung: true,
			Prev: dump(harnessG, sprintf(testG, ""), sprintf(workerG, ""))},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m_test.go:16", "/m/m.go:12"},
		frozen:    true, mainStuck: true,
	}, {
		name:      "hung: every blocked goroutine proven blocked for good",
		in:        Input{Stacks: dump(harnessG, agentG, sprintf(testG, " (leaked)"), sprintf(workerG, " (leaked)")), Hung: true, Leaks: true},
		want:      []report.Kind{report.PartialDeadlock, report.PartialDeadlock},
		positions: []string{"/m/m_test.go:16", "/m/m.go:12"},
		frozen:    true, mainStuck: true,
	}, {
		// The detector's graph says the test waits behind a circular
		// wait, but neither the runtime nor a second dump proves it: the
		// test is not known to be stuck for good.
		name:       "a circular wait already reported, and the test behind it, one dump",
		in:         Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51)), Hung: true, Reported: map[int64]bool{30: true, 31: true}},
		deadlocked: true,
	}, {
		// With the runtime's leak detector, a goroutine on a channel it
		// did not prove blocked for good may be waiting for a timer, even
		// if two dumps show it at the same line.
		name:       "a circular wait on watched locks, and the test on a channel not proven, two dumps alike",
		in:         Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(testG, ""), sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51)), Hung: true, Leaks: true, Reported: map[int64]bool{30: true, 31: true}},
		still:      true,
		deadlocked: true,
	}, {
		name:       "a circular wait on watched locks, nothing else blocked, two dumps alike",
		in:         Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51)), Hung: true, Leaks: true, Reported: map[int64]bool{30: true, 31: true}},
		still:      true,
		frozen:     true,
		deadlocked: true,
	}, {
		name:       "a circular wait on watched locks and a goroutine joined on it, two dumps alike",
		in:         Input{Graph: abbaJoined(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 30, 50), sprintf(lockerG, 31, 51), strings.Replace(sprintf(lockerG, 32, 70), "transfer", "run", 1)), Hung: true, Leaks: true, Reported: map[int64]bool{30: true, 31: true}},
		still:      true,
		frozen:     true,
		deadlocked: true,
	}, {
		// A timer sends on, or closes, channels the time and context
		// packages made, never one the code under test made.
		name:  "native channels of unknown makers, two dumps alike, with the leak detector",
		in:    Input{Graph: nativeWaits(), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true, Leaks: true},
		still: true,
	}, {
		name:       "native channels the code under test made, two dumps alike, with the leak detector",
		in:         Input{Graph: madeBy(41, 40), Stacks: dump(harnessG, agentG, sprintf(hookG, 40, 60), sprintf(hookG, 41, 61)), Hung: true, Leaks: true},
		still:      true,
		want:       []report.Kind{report.Deadlock},
		positions:  []string{"/m/m.go:60", "/m/m.go:61"},
		frozen:     true,
		deadlocked: true,
	}, {
		name: "a waiter whose holder runs",
		in:   Input{Graph: abba(), Stacks: dump(harnessG, agentG, sprintf(lockerG, 30, 50), strings.Replace(sprintf(lockerG, 31, 51), "[select]", "[runnable]", 1))},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.GOROOT = "/go"
			if tc.still {
				tc.in.Prev = tc.in.Stacks
			}
			res := Decide(tc.in)
			var kinds []report.Kind
			var positions []string
			for _, f := range res.Findings {
				kinds = append(kinds, f.Kind)
				positions = append(positions, f.Positions...)
				if f.Summary == "" || f.Hint == "" || len(f.Goroutines) == 0 || len(f.Resources) == 0 {
					t.Errorf("incomplete finding: %+v", f)
				}
			}
			if !slices.Equal(kinds, tc.want) || !slices.Equal(positions, tc.positions) {
				t.Errorf("found %v at %v, want %v at %v", kinds, positions, tc.want, tc.positions)
				for _, f := range res.Findings {
					t.Log(report.Text(f))
				}
			}
			if res.Frozen != tc.frozen || res.MainStuck != tc.mainStuck || res.Deadlocked != tc.deadlocked {
				t.Errorf("frozen %v, main stuck %v, deadlocked %v; want %v, %v, %v", res.Frozen, res.MainStuck, res.Deadlocked, tc.frozen, tc.mainStuck, tc.deadlocked)
			}
		})
	}
}
