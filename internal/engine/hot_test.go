package engine

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestHot checks that Hot mirrors what the uncontended lock paths depend
// on: detection on, no schedule running.
func TestHot(t *testing.T) {
	if !Enabled() {
		t.Skip("detection is off")
	}
	if !Hot() {
		t.Skip("ids are slow or metrics are on: the fast paths are never taken")
	}
	prev := CurrentOptions()
	defer Configure(prev)
	var scheduled atomic.Bool
	running := scheduled.Load
	defer func() {
		scheduled.Store(false)
		SetScheduled(running)
	}()
	steps := []struct {
		name string
		do   func()
		want bool
	}{
		{"on", func() { Configure(Options{Level: LevelOn}) }, true},
		{"schedule starts", func() { scheduled.Store(true); SetScheduled(running) }, false},
		{"off while scheduled", func() { Configure(Options{Level: LevelOff}) }, false},
		{"schedule ends while off", func() { scheduled.Store(false); SetScheduled(running) }, false},
		{"on again", func() { Configure(Options{Level: LevelOn}) }, true},
		{"strict", func() { Configure(Options{Level: LevelStrict}) }, true},
	}
	for _, s := range steps {
		s.do()
		if got := Hot(); got != s.want {
			t.Fatalf("after %s: Hot() = %v, want %v", s.name, got, s.want)
		}
	}
}

// TestHotMirrorRace checks that goroutines changing a source at once
// leave its bit of hot as the source ends.
func TestHotMirrorRace(t *testing.T) {
	const bit = 1 << 30 // a bit no path reads
	defer setHot(bit, false)
	var src atomic.Bool
	now := src.Load
	for round := range 200 {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src.Store((round+i)%2 == 0)
				mirror(bit, now)
			}()
		}
		wg.Wait()
		if got := hot.Load()&bit != 0; got != src.Load() {
			t.Fatalf("round %d: bit %v, source %v", round, got, src.Load())
		}
	}
}
