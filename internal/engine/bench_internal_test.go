package engine

import (
	"testing"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func BenchmarkLookup(b *testing.B) {
	Enabled()
	gid := rt.Goid()
	goroutine(gid)
	var s *G
	for b.Loop() {
		s = goroutine(gid)
	}
	_ = s
}

func BenchmarkAcquiredRelease(b *testing.B) {
	Enabled()
	gid := rt.Goid()
	var r Ref
	for b.Loop() {
		Acquired(gid, &r, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&r)
	}
}

func BenchmarkGoidEngine(b *testing.B) {
	Enabled()
	var s uint64
	for b.Loop() {
		s += Goid()
	}
	_ = s
}
