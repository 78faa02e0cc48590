package dump

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"testing"

	gdump "github.com/gridlock-go/gridlock/dump"
	"github.com/maruel/panicparse/v2/stack"
)

var sizes = []struct {
	name string
	n    int
}{{"1k", 1000}, {"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}}

var generated = map[int][]byte{}

func dumpOf(n int) []byte {
	if b, ok := generated[n]; ok {
		return b
	}
	b := Generate(n)
	generated[n] = b
	return b
}

// BenchmarkParse compares reading a dump and grouping its goroutines:
// gridlock (parse, bucket and decide), panicparse with its aggressive
// grouping (stack.AnyValue, pp -aggressive) and with its default one
// (stack.AnyPointer), which compares argument values and is quadratic in
// the distinct ones: it is run up to 10k goroutines only.
//
//	cd bench && go test ./dump -run XXX -bench . -count 6 | tee new.txt
//	benchstat -col /parser new.txt
func BenchmarkParse(b *testing.B) {
	for _, sz := range sizes {
		in := dumpOf(sz.n)
		b.Run(fmt.Sprintf("n=%s/parser=gridlock", sz.name), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				d, err := gdump.Parse(bytes.NewReader(in))
				if err != nil {
					b.Fatal(err)
				}
				a := gdump.Analyze(d)
				if len(a.Buckets) != 5 {
					b.Fatalf("%d buckets", len(a.Buckets))
				}
			}
		})
		if sz.n > 100_000 {
			continue // panicparse needs about 11 KB per goroutine
		}
		b.Run(fmt.Sprintf("n=%s/parser=panicparse-aggressive", sz.name), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				panicparse(b, in, stack.AnyValue)
			}
		})
		if sz.n > 10_000 {
			continue
		}
		b.Run(fmt.Sprintf("n=%s/parser=panicparse", sz.name), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				panicparse(b, in, stack.AnyPointer)
			}
		})
	}
}

func panicparse(b *testing.B, in []byte, sim stack.Similarity) {
	s, _, err := stack.ScanSnapshot(bufio.NewReader(bytes.NewReader(in)), io.Discard, &stack.Opts{})
	if err != nil && err != io.EOF {
		b.Fatal(err)
	}
	a := s.Aggregate(sim)
	if len(a.Buckets) == 0 {
		b.Fatal("no buckets")
	}
}
