package main

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := `goos: linux
BenchmarkUncontended/impl=sync-2         	23768468	        10.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkUncontended/impl=gridlock-2     	16749594	        15.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkUncontended/impl=sync-2         	23768468	        12.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkUncontended/impl=gridlock-2     	16749594	        18.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkScale/impl=sync-2   1  400000000 ns/op  50.0 after-MB
BenchmarkScale/impl=gridlock-2   1  1200000000 ns/op  70.0 after-MB
PASS
`
	tb, err := read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	tb.write(&out, []string{"sync"})
	for _, want := range []string{
		"| Uncontended | ns/op | 11 ns | 16.5 ns (1.5x) |",
		"| Scale | ns/op | 400 ms | 1.2 s (3x) |",
		"| Scale | after-MB | 50 | 70 (1.4x) |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := read(strings.NewReader("no benchmarks\n")); err == nil {
		t.Error("no error for input without benchmarks")
	}
}
