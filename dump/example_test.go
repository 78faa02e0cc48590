package dump_test

import (
	"fmt"
	"strings"

	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Two goroutines of the same program, each in Transfer, each waiting for
// the mutex whose address the other one's frame holds as an argument.
const abba = `goroutine 21 [sync.Mutex.Lock, 4 minutes]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000096160)
	/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
main.(*Account).Transfer(0xc000096150, 0xc000096160, 0x1)
	/src/bank/account.go:22 +0x9d
created by main.main in goroutine 1
	/src/bank/main.go:30 +0x87

goroutine 22 [sync.Mutex.Lock, 4 minutes]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000096150)
	/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
main.(*Account).Transfer(0xc000096160, 0xc000096150, 0x1)
	/src/bank/account.go:22 +0x9d
created by main.main in goroutine 1
	/src/bank/main.go:31 +0xd5

goroutine 1 [IO wait]:
internal/poll.runtime_pollWait(0x7fec6888e400, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
net/http.(*Server).Serve(0xc0000a2100, {0x78c288, 0xc00000c040})
	/usr/local/go/src/net/http/server.go:3434 +0x30c
main.main()
	/src/bank/main.go:46 +0x345
`

func ExampleAnalyze() {
	d, err := dump.Parse(strings.NewReader(abba))
	if err != nil {
		fmt.Println(err)
		return
	}
	a := dump.Analyze(d)
	f := a.Findings[0]
	fmt.Println(f.Kind, f.Certainty)
	fmt.Println(f.Summary)
	// Output:
	// deadlock likely
	// goroutine 21 waits for mutex 0xc000096160 (lock) at main.(*Account).Transfer (bank/account.go:22) for 4 minutes or more, probably held by goroutine 22; goroutine 22 waits for mutex 0xc000096150 (lock) at main.(*Account).Transfer (bank/account.go:22) for 4 minutes or more, probably held by goroutine 21
}

func ExampleParse() {
	d, err := dump.Parse(strings.NewReader(abba))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range d.Goroutines {
		fmt.Printf("goroutine %d [%s] waits on %#x in %s\n", g.ID, g.Status, g.Addr, d.Stack(&g).Frames[len(d.Stack(&g).Frames)-1].Func)
	}
	// Output:
	// goroutine 21 [sync.Mutex.Lock] waits on 0xc000096160 in main.(*Account).Transfer
	// goroutine 22 [sync.Mutex.Lock] waits on 0xc000096150 in main.(*Account).Transfer
	// goroutine 1 [IO wait] waits on 0x0 in main.main
}

// bankSource is what the source of the bank program says of the frame of
// Transfer where each goroutine stopped: the receiver's mutex, locked two
// lines above, is held; the argument's is waited on.
type bankSource struct{}

func (bankSource) Frame(f waitgraph.Frame, callee string) *dump.SourceFrame {
	if f.Func != "main.(*Account).Transfer" || f.Line != 22 {
		return nil
	}
	mu := dump.SourceRef{Name: "a.mu", Class: "main.Account.mu", Arg: 0, Offset: 0}
	to := dump.SourceRef{Name: "to.mu", Class: "main.Account.mu", Arg: 1, Offset: 0}
	return &dump.SourceFrame{
		Held: []dump.SourceLock{{SourceRef: mu, File: "/src/bank/account.go", Line: 20, Deferred: true}},
		Wait: &to,
	}
}

// With the program's source (here a stand-in for analysis/dumpsrc), the
// holders are named: each goroutine holds the mutex the other waits for.
func ExampleAnalyzeSource() {
	d, err := dump.Parse(strings.NewReader(abba))
	if err != nil {
		fmt.Println(err)
		return
	}
	a := dump.AnalyzeSource(d, bankSource{})
	for _, r := range a.Findings[0].Resources {
		fmt.Println(r.ID, "←", r.Releasers[0].Why)
	}
	fmt.Println(a.Findings[0].Kind, a.Findings[0].Certainty, a.Stuck())
	// Output:
	// mutex 0xc000096160 ← holds a.mu (locked at bank/account.go:20, per the source), to be released by a deferred call when main.(*Account).Transfer returns
	// mutex 0xc000096150 ← holds a.mu (locked at bank/account.go:20, per the source), to be released by a deferred call when main.(*Account).Transfer returns
	// deadlock certain true
}
