// Package dump compares gridlock's goroutine dump parser with panicparse on
// generated dumps of 1,000 to 1,000,000 goroutines.
package dump

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// templates are five goroutines of a real SIGQUIT dump, with the runtime's
// frames that give channel and semaphore addresses, about 560 bytes each
// with their arguments: a dump of 100,000 of them is 56 MB, a little more
// than the 46 MB case.
var templates = []string{
	`goroutine 1 [sync.Mutex.Lock, 3 minutes]:
runtime.gopark(0x8000000000000?, 0x7fec68839cc8?, 0xe0?, 0xe0?, 0x60?)
	runtime/proc.go:462 +0xce
runtime.semacquire1(0x374344096164, 0x0, 0x3, 0x2, 0x16)
	runtime/sema.go:192 +0x232
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0x374344096160)
	internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
	internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
example.com/shop/cart.(*Cart).Add(0x374344096150, {0x7bd3a1, 0x5}, 0x1)
	example.com/shop/cart/cart.go:88 +0x9d
created by example.com/shop/server.(*Server).handle in goroutine 1
	example.com/shop/server/server.go:30 +0x87
`,
	`goroutine 1 [chan receive, 12 minutes]:
runtime.gopark(0x3743440e0070?, 0x0?, 0x0?, 0x0?, 0x0?)
	runtime/proc.go:462 +0xce
runtime.chanrecv(0x3743440840e0, 0x374343fdefa8, 0x1)
	runtime/chan.go:667 +0x4ae
runtime.chanrecv2(0x0?, 0x0?)
	runtime/chan.go:514 +0x12
example.com/shop/worker.(*Pool).run(0x3743440c4000, 0x7)
	example.com/shop/worker/pool.go:41 +0x33
created by example.com/shop/worker.New in goroutine 1
	example.com/shop/worker/pool.go:22 +0x199
`,
	`goroutine 1 [IO wait]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	runtime/proc.go:462 +0xce
runtime.netpollblock(0x374343feeb68?, 0x4172c6?, 0x0?)
	runtime/netpoll.go:575 +0xf7
internal/poll.runtime_pollWait(0x7fec6888e400, 0x72)
	runtime/netpoll.go:351 +0x85
internal/poll.(*pollDesc).wait(0x37434401c000?, 0x900000036?, 0x0)
	internal/poll/fd_poll_runtime.go:84 +0x27
internal/poll.(*FD).Read(0x3743440d4100, {0x3743440a62e1, 0x1, 0x1})
	internal/poll/fd_unix.go:165 +0x2ae
net.(*conn).Read(0x3743440880c0, {0x3743440a62e1?, 0x0?, 0x1?})
	net/net.go:196 +0x45
net/http.(*connReader).backgroundRead(0x3743440a62c0)
	net/http/server.go:702 +0x33
created by net/http.(*connReader).startBackgroundRead in goroutine 9
	net/http/server.go:698 +0xb6
`,
	`goroutine 1 [sync.WaitGroup.Wait]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0xe0?, 0x0?)
	runtime/proc.go:462 +0xce
runtime.semacquire1(0x374344096178, 0x0, 0x1, 0x0, 0x19)
	runtime/sema.go:192 +0x232
sync.runtime_SemacquireWaitGroup(0x0?, 0x0?)
	runtime/sema.go:114 +0x2e
sync.(*WaitGroup).Wait(0x374344096170)
	sync/waitgroup.go:206 +0x85
example.com/shop/batch.(*Job).Finish(0x3743440c6000, 0x3743440d8000)
	example.com/shop/batch/job.go:57 +0x45
created by example.com/shop/batch.Start in goroutine 1
	example.com/shop/batch/job.go:31 +0x213
`,
	`goroutine 1 [select]:
runtime.gopark(0x3743440ae7a8?, 0x2?, 0x0?, 0x0?, 0x3743440ae74c?)
	runtime/proc.go:462 +0xce
runtime.selectgo(0x3743440ae7a8, 0x3743440ae748, 0x0?, 0x0, 0x0?, 0x1)
	runtime/select.go:351 +0xaa5
example.com/shop/session.(*Manager).expire(0x3743440de000, {0x7c5e30, 0x3743440a4050})
	example.com/shop/session/manager.go:112 +0x125
created by example.com/shop/session.NewManager in goroutine 1
	example.com/shop/session/manager.go:64 +0x2e5
`,
}

var argRE = regexp.MustCompile(`0x3743440[0-9a-f]{5}`)

// Generate returns a SIGQUIT dump of n goroutines in the five stacks above,
// with goroutine ids and argument values that differ from one goroutine to
// the next as real ones do (receivers, buffers): panicparse's default
// grouping compares them.
func Generate(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 470)
	b.WriteString("SIGQUIT: quit\nPC=0x492cc1 m=0 sigcode=0\n\n")
	for i := range n {
		t := templates[i%len(templates)]
		t = strings.Replace(t, "goroutine 1 ", fmt.Sprintf("goroutine %d ", i+1), 1)
		k := 0
		t = argRE.ReplaceAllStringFunc(t, func(string) string {
			// Each goroutine has its own objects, as the receivers and
			// buffers of real goroutines are.
			k++
			return fmt.Sprintf("0x%x", 0xc000000000+uint64(i)<<8+uint64(k)<<3)
		})
		b.WriteString(t)
		b.WriteString("\n")
	}
	return b.Bytes()
}
