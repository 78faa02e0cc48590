package sched_test

import (
	"sync/atomic"
	"testing"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/sched"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// BenchmarkStep measures a scheduling step: two goroutines of a schedule
// meet scheduling points, the strategy chooses one at each, and the
// processor passes from one to the other about half the time (random)
// or at PCT's change points. ns/step is the cost of one decision.
func BenchmarkStep(b *testing.B) {
	for _, st := range []sched.Strategy{sched.PCT, sched.Random} {
		b.Run(st.String(), func(b *testing.B) {
			s := sched.New(sched.Token{Strategy: st, Seed: 1, Depth: 3, Steps: b.N})
			s.Start()
			gid := engine.Goid()
			g := s.Spawn(gid, "peer")
			var finished atomic.Bool
			go func() {
				s.Begin(g)
				id := engine.Goid()
				for range b.N {
					s.Yield(id)
				}
				finished.Store(true)
				s.Exit(g)
			}()
			b.ResetTimer()
			for range b.N {
				s.Yield(gid)
			}
			for !finished.Load() {
				s.Yield(gid)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(s.Steps()), "ns/step")
			s.Finish()
		})
	}
}

// BenchmarkMutexUnderSchedule measures Lock and Unlock of gridlock/sync's
// Mutex by two goroutines under a random schedule: two scheduling points
// per iteration, blocked waits included.
func BenchmarkMutexUnderSchedule(b *testing.B) {
	s := sched.New(sched.Token{Strategy: sched.Random, Seed: 1})
	s.Start()
	var mu gsync.Mutex
	n := 0
	gid := engine.Goid()
	g := s.Spawn(gid, "peer")
	var finished atomic.Bool
	go func() {
		s.Begin(g)
		for range b.N {
			mu.Lock()
			n++
			mu.Unlock()
		}
		finished.Store(true)
		s.Exit(g)
	}()
	b.ResetTimer()
	for range b.N {
		mu.Lock()
		n++
		mu.Unlock()
	}
	for !finished.Load() {
		s.Yield(gid)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(s.Steps()), "ns/step")
	s.Finish()
}
