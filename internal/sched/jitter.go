package sched

import (
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/internal/engine"
)

// JitterEnv turns on jitter in a process (gridlock test -jitter): its
// value is the seed.
const JitterEnv = "GRIDLOCK_JITTER"

// jitter is gridlock test -jitter: no schedule, but at instrumented
// operations the goroutine now and then yields or sleeps a few
// microseconds, as a seeded pseudo-random sequence decides, so that
// interleavings that rarely happen on their own do.
type jitter struct {
	seed uint64
	n    atomic.Uint64
}

// point is a jitter point: one in 8 yields the processor, one in 64
// sleeps up to 50µs.
func (j *jitter) point() {
	h := mix(j.seed, j.n.Add(1)) >> 1 // mix's lowest bit is always set
	switch {
	case h%64 == 0:
		time.Sleep(time.Duration(h>>8%50) * time.Microsecond)
	case h%8 == 0:
		runtime.Gosched()
	}
}

func init() {
	v := os.Getenv(JitterEnv)
	if v == "" {
		return
	}
	seed, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		os.Stderr.WriteString("gridlock: " + JitterEnv + "=" + strconv.Quote(v) + ": want a number; no jitter\n")
		return
	}
	s := &Sched{over: true, jit: &jitter{seed: seed}, done: make(chan struct{})}
	active.Store(s)
	engine.SetScheduled(On)
}

// JitterSeed returns the seed of the process's jitter and whether jitter
// is on.
func JitterSeed() (uint64, bool) {
	if s := active.Load(); s != nil && s.jit != nil {
		return s.jit.seed, true
	}
	return 0, false
}
