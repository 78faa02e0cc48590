package dump_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gridlock-go/gridlock/dump"
)

// bigDump writes a SIGQUIT-style dump of n goroutines: workers blocked on
// mutexes of their own (the holders' arguments printed), receivers on
// channels, sleepers and a few running, each with a stack like a server's.
func bigDump(n int) []byte {
	var b bytes.Buffer
	b.WriteString("SIGQUIT: quit\nPC=0x46d0a1 m=0 sigcode=0\n\n")
	for i := range n {
		id := i + 1
		obj := 0xc000100000 + uint64(i)*0x40
		switch i % 4 {
		case 0, 1:
			fmt.Fprintf(&b, "goroutine %d gp=0xc%09x m=nil [sync.Mutex.Lock, %d minutes]:\n", id, i, i%30)
			fmt.Fprintf(&b, "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\truntime/proc.go:462 +0xce fp=0xc0 sp=0xc0 pc=0x487a8e\n")
			fmt.Fprintf(&b, "runtime.semacquire1(0x%x, 0x0, 0x3, 0x2, 0x16)\n\truntime/sema.go:192 +0x21d fp=0xc0 sp=0xc0 pc=0x46a1bd\n", obj+24)
			fmt.Fprintf(&b, "internal/sync.(*Mutex).lockSlow(0x%x)\n\tinternal/sync/mutex.go:149 +0x15d fp=0xc0 sp=0xc0 pc=0x48a1bd\n", obj+24)
			b.WriteString("internal/sync.(*Mutex).Lock(...)\n\tinternal/sync/mutex.go:70\nsync.(*Mutex).Lock(...)\n\tsync/mutex.go:46\n")
			fmt.Fprintf(&b, "example.com/app/store.(*Shard).Put(0x%x, {0x5a1b2c, 0x3}, 0x%x)\n\t/src/app/store/shard.go:%d +0x9d fp=0xc0 sp=0xc0 pc=0x67187d\n", obj, obj+8, 40+i%7)
			fmt.Fprintf(&b, "example.com/app/server.(*Server).handle(0x%x, 0x%x)\n\t/src/app/server/server.go:88 +0x1c5 fp=0xc0 sp=0xc0 pc=0x671b25\n", 0xc000010000, obj+16)
		case 2:
			fmt.Fprintf(&b, "goroutine %d gp=0xc%09x m=nil [chan receive, %d minutes]:\n", id, i, i%30)
			fmt.Fprintf(&b, "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\truntime/proc.go:462 +0xce fp=0xc0 sp=0xc0 pc=0x487a8e\n")
			fmt.Fprintf(&b, "runtime.chanrecv(0x%x, 0x0, 0x1)\n\truntime/chan.go:667 +0x445 fp=0xc0 sp=0xc0 pc=0x40a1bd\n", obj+32)
			fmt.Fprintf(&b, "runtime.chanrecv1(0x%x?, 0x0?)\n\truntime/chan.go:509 +0x12 fp=0xc0 sp=0xc0 pc=0x40a1bd\n", obj+32)
			fmt.Fprintf(&b, "example.com/app/worker.(*Pool).run(0x%x)\n\t/src/app/worker/pool.go:31 +0x4d fp=0xc0 sp=0xc0 pc=0x671b25\n", 0xc000020000)
		default:
			fmt.Fprintf(&b, "goroutine %d gp=0xc%09x m=nil [sleep]:\n", id, i)
			b.WriteString("time.Sleep(0x3b9aca00)\n\truntime/time.go:363 +0x165 fp=0xc0 sp=0xc0 pc=0x48a1bd\n")
			fmt.Fprintf(&b, "example.com/app/poll.loop(0x%x)\n\t/src/app/poll/loop.go:12 +0x25 fp=0xc0 sp=0xc0 pc=0x671b25\n", obj)
		}
		b.WriteString("runtime.goexit({})\n\truntime/asm_amd64.s:1771 +0x1 fp=0xc0 sp=0xc0 pc=0x48f061\n")
		b.WriteString("created by example.com/app/server.(*Server).Serve in goroutine 1\n\t/src/app/server/server.go:61 +0x10a\n\n")
	}
	return b.Bytes()
}

// BenchmarkAnalyze100k parses and analyzes a dump of 100,000 goroutines,
// without source:
//
//	go test ./dump -run '^$' -bench Analyze100k -benchmem
func BenchmarkAnalyze100k(b *testing.B) {
	text := bigDump(100_000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := dump.ParseBytes(text)
		if err != nil {
			b.Fatal(err)
		}
		a := dump.Analyze(d)
		if len(a.Buckets) == 0 {
			b.Fatal("no buckets")
		}
	}
}
