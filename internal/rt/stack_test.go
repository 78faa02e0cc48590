package rt

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// frames symbolizes pcs into function names, as CallersFrames reads them,
// leaving out the frames runtime.Callers elides.
func frames(pcs []uintptr) []string {
	var out []string
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		if !Elided(f.Function, f.File) {
			out = append(out, f.Function)
		}
		if !more {
			return out
		}
	}
}

// capture returns the frames above it, depth calls deep, by Stack (fp)
// or by runtime.Callers.
//
//go:noinline
func capture(depth int, fp bool) []string {
	if depth > 0 {
		return capture(depth-1, fp)
	}
	pcs := make([]uintptr, 64)
	if fp {
		n := Stack(pcs)
		if d := Depth(); d != 0 && d != n {
			panic(fmt.Sprintf("Depth %d, Stack stored %d", d, n))
		}
		return frames(pcs[:n])
	}
	return frames(pcs[:runtime.Callers(1, pcs)])
}

// inlined is inlined into its caller: Stack must expand it from the
// return address, as runtime.Callers does.
func inlined(fp bool) []string { return capture(3, fp) }

// TestStackIsCallers checks that Stack gives the frames runtime.Callers
// gives, once the frames Elided names are left out.
func TestStackIsCallers(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(fp bool) []string
	}{
		{"direct", func(fp bool) []string { return capture(0, fp) }},
		{"recursive", func(fp bool) []string { return capture(5, fp) }},
		{"inlined", inlined},
		{"deferred", func(fp bool) (s []string) {
			defer func() { s = capture(1, fp) }()
			return nil
		}},
		{"goroutine", func(fp bool) []string {
			ch := make(chan []string)
			go func() { ch <- capture(2, fp) }()
			return <-ch
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.run(true)
			want := tc.run(false)
			if !slices.Equal(got, want) {
				t.Errorf("Stack gave\n%q\nruntime.Callers gave\n%q", got, want)
			}
			if want[len(want)-1] != "runtime.goexit" {
				t.Errorf("frames %q: want runtime.goexit last", want)
			}
		})
	}
}

// TestStackOnAGoroutine walks a goroutine's whole stack: the walk ends at
// its first frame, within the stack's bounds.
func TestStackOnAGoroutine(t *testing.T) {
	ch := make(chan []string)
	go func() { ch <- capture(2, true) }()
	got := <-ch
	if got[len(got)-1] != "runtime.goexit" || got[0] != "github.com/gridlock-go/gridlock/internal/rt.capture" {
		t.Errorf("frames %q: want capture first and runtime.goexit last", got)
	}
}

func BenchmarkStack(b *testing.B) {
	pcs := make([]uintptr, 32)
	b.Run("fp", func(b *testing.B) {
		for b.Loop() {
			Stack(pcs)
		}
	})
	b.Run("runtime.Callers", func(b *testing.B) {
		for b.Loop() {
			runtime.Callers(1, pcs)
		}
	})
}
