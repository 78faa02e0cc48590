package rt

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"
)

func TestGoid(t *testing.T) {
	if !Supported() {
		t.Skip("no fast goroutine id on this platform")
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, want := Goid(), SlowGoid(); got != want {
				t.Errorf("Goid() = %d, want %d", got, want)
			}
		}()
	}
	wg.Wait()
}

//go:noinline
func enterSite() (uint64, uintptr) { return Enter() }

func TestEnterPC(t *testing.T) {
	if !hasAsm {
		t.Skip("no frame-pointer call sites on this platform")
	}
	Init()
	_, pc := enterSite() // the line we expect
	_, _, wantLine, _ := runtime.Caller(0)
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if f.Line != wantLine-1 || f.Function != "github.com/gridlock-go/gridlock/internal/rt.TestEnterPC" {
		t.Errorf("Enter pc = %s:%d, want TestEnterPC:%d", f.Function, f.Line, wantLine-1)
	}
}

func BenchmarkEnter(b *testing.B) {
	Init()
	var s uintptr
	for b.Loop() {
		g, pc := Enter()
		s += uintptr(g) + pc
	}
	_ = s
}

func BenchmarkGoid(b *testing.B) {
	Init()
	var s uint64
	for b.Loop() {
		s += Goid()
	}
	_ = s
}

func TestParseStacks(t *testing.T) {
	in := []byte(`goroutine 7 [sync.Mutex.Lock, 2 minutes]:
sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
main.worker(0xc000012345)
	/src/app/main.go:42 +0x3a
created by main.main in goroutine 1
	/src/app/main.go:20 +0x66

goroutine 1 [running]:
main.main()
	/src/app/main.go:21 +0x1
goroutine x [bad]:
garbage
`)
	gs := ParseStacks(in)
	if len(gs) != 2 {
		t.Fatalf("got %d goroutines, want 2", len(gs))
	}
	g := gs[7]
	if g.Status != "sync.Mutex.Lock, 2 minutes" || len(g.Frames) != 2 {
		t.Fatalf("goroutine 7 = %+v", g)
	}
	if f := g.Frames[1]; f.Func != "main.worker" || f.File != "/src/app/main.go" || f.Line != 42 {
		t.Errorf("frame = %+v", f)
	}
}

func TestGoidStack(t *testing.T) {
	if !StackOK() {
		t.Skip("no stack bounds on this platform")
	}
	gid, lo, hi := GoidStack()
	if gid != SlowGoid() || SP() < lo || SP() >= hi {
		t.Errorf("GoidStack() = %d, [%#x, %#x); want %d and a range holding %#x", gid, lo, hi, SlowGoid(), SP())
	}
}

func TestBase(t *testing.T) {
	type obj struct {
		a [3]uint64
		b [5]uint64
	}
	o := new(obj)
	tests := []struct {
		name string
		p    unsafe.Pointer
		want unsafe.Pointer
	}{
		{"start", unsafe.Pointer(o), unsafe.Pointer(o)},
		{"interior", unsafe.Pointer(&o.b[2]), unsafe.Pointer(o)},
		{"global", unsafe.Pointer(&globalWord), unsafe.Pointer(&globalWord)},
	}
	for _, tt := range tests {
		if got := Base(tt.p); got != tt.want {
			t.Errorf("%s: Base = %p, want %p", tt.name, got, tt.want)
		}
	}
	big := make([]uint64, 1<<20)
	if got := Base(unsafe.Pointer(&big[1<<19])); got != unsafe.Pointer(&big[0]) {
		t.Errorf("large object: Base = %p, want %p", got, &big[0])
	}
}

var globalWord uint64

func TestExited(t *testing.T) {
	if Self() == 0 {
		t.Skip("goroutine exits are not observable here")
	}
	if Exited(Self(), Goid()) {
		t.Fatal("Exited reports the running goroutine")
	}
	type handle struct {
		h  uintptr
		id uint64
	}
	got := make(chan handle)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		got <- handle{Self(), Goid()}
		<-release
	}()
	h := <-got
	if Exited(h.h, h.id) {
		t.Fatal("Exited reports a parked goroutine")
	}
	close(release)
	<-done
	for i := 0; !Exited(h.h, h.id); i++ {
		if i == 10000 {
			t.Fatal("Exited does not report an exited goroutine")
		}
		runtime.Gosched()
	}
	if Exited(0, 1) {
		t.Fatal("Exited reports a zero handle")
	}
}
