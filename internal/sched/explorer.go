package sched

import "hash/maphash"

// Config says which schedules an Explorer runs.
type Config struct {
	Strategy  Strategy
	Schedules int    // at most this many
	Depth     int    // PCT: bug depth; DFS: preemption bound
	Seed      uint64 // 0: a random seed
	Replay    *Token // run this one schedule
}

// Defaults.
const (
	DefaultSchedules = 1000
	DefaultDepth     = 3
	defaultSteps     = 100
)

// An Explorer hands out the tokens of the schedules to run, one after the
// other, learning from each run (PCT's step bound, DFS's next branch).
type Explorer struct {
	cfg       Config
	n         int
	steps     int
	next      []int
	exhausted bool
}

// NewExplorer returns an Explorer for cfg, defaults filled in.
func NewExplorer(cfg Config) *Explorer {
	if cfg.Strategy == 0 {
		cfg.Strategy = PCT
	}
	if cfg.Schedules <= 0 {
		cfg.Schedules = DefaultSchedules
	}
	if cfg.Depth <= 0 {
		cfg.Depth = DefaultDepth
	}
	if cfg.Seed == 0 {
		cfg.Seed = new(maphash.Hash).Sum64() | 1
	}
	return &Explorer{cfg: cfg, steps: defaultSteps}
}

// Seed returns the explorer's base seed.
func (e *Explorer) Seed() uint64 { return e.cfg.Seed }

// Next returns the token of the next schedule, or false when all were run
// (or, for DFS, the space is exhausted).
func (e *Explorer) Next() (Token, bool) {
	if e.cfg.Replay != nil {
		if e.n > 0 {
			return Token{}, false
		}
		e.n++
		return *e.cfg.Replay, true
	}
	if e.n >= e.cfg.Schedules || e.exhausted {
		return Token{}, false
	}
	t := Token{Strategy: e.cfg.Strategy, Depth: e.cfg.Depth}
	switch t.Strategy {
	case DFS:
		t.Choices = e.next
	case PCT:
		t.Steps = e.steps
		t.Seed = mix(e.cfg.Seed, uint64(e.n))
	default:
		t.Seed = mix(e.cfg.Seed, uint64(e.n))
	}
	e.n++
	return t, true
}

// Ran learns from the schedule just run.
func (e *Explorer) Ran(s *Sched) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.steps > e.steps {
		e.steps = s.steps
	}
	if s.tok.Strategy == DFS {
		next, ok := nextDFS(s.trace, e.cfg.Depth)
		e.next, e.exhausted = next, !ok
	}
}

// Exhausted reports whether DFS ran every schedule within its bound.
func (e *Explorer) Exhausted() bool { return e.exhausted }

// Count returns the number of schedules handed out.
func (e *Explorer) Count() int { return e.n }

// mix derives the seed of schedule i (splitmix64).
func mix(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31 | 1
}
