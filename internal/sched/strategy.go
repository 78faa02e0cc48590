package sched

import (
	"math/rand/v2"
)

// A strategy chooses the goroutine that runs next among the runnable ones
// (rs, by index, at least two); g is the one giving way, nil if none.
type strategy interface {
	newG(g *G)
	pick(s *Sched, g *G, rs []*G) *G
	// slept tells that g went to sleep: under PCT it then gives way to
	// every goroutine that can run, as a sleep means to.
	slept(g *G)
	// restart starts the strategy's random choices afresh from seed, at
	// step at (a subtest starts: its schedule does not depend on the
	// subtests that ran before it, so that it replays alone).
	restart(seed uint64, at int)
}

func newStrategy(t Token) strategy {
	rng := rand.New(rand.NewPCG(t.Seed, t.Seed^0x9E3779B97F4A7C15))
	switch t.Strategy {
	case Random:
		return &randomStrat{rng: rng}
	case DFS:
		return &dfsStrat{choices: t.Choices, bound: t.Depth}
	}
	p := &pctStrat{rng: rng, depth: max(t.Depth, 1), k: max(t.Steps, 1)}
	p.draw(0)
	return p
}

// draw draws depth-1 change points among the k steps after step at.
func (p *pctStrat) draw(at int) {
	p.points = p.points[:0]
	for range p.depth - 1 {
		p.points = append(p.points, at+1+p.rng.IntN(p.k))
	}
}

func (p *pctStrat) restart(seed uint64, at int) {
	p.rng = rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	p.draw(at)
}

type randomStrat struct{ rng *rand.Rand }

func (r *randomStrat) newG(*G)  {}
func (r *randomStrat) slept(*G) {}
func (d *dfsStrat) slept(*G)    {}

func (r *randomStrat) pick(_ *Sched, _ *G, rs []*G) *G { return rs[r.rng.IntN(len(rs))] }

// pctStrat is PCT: the runnable goroutine of highest priority runs;
// priorities are random, above depth, and at the i-th change point the
// goroutine that reached it drops to priority depth-i.
type pctStrat struct {
	rng    *rand.Rand
	depth  int
	points []int // steps at which a priority changes
	low    int64 // the priority of the last goroutine to sleep
	k      int   // the step bound
}

// Priorities: change points use 0..depth-1; goroutines that slept, from
// depth+2^40 down; the others are drawn above.
func (p *pctStrat) newG(g *G) { g.prio = int64(p.depth) + 2<<40 + p.rng.Int64N(1<<40) }

func (p *pctStrat) slept(g *G) {
	if p.low == 0 {
		p.low = int64(p.depth) + 1<<40
	}
	if g.prio > p.low { // not below a change point's
		g.prio = p.low
		p.low--
	}
}

func (p *pctStrat) pick(s *Sched, g *G, rs []*G) *G {
	if g != nil {
		for i, at := range p.points {
			if at == s.steps+1 {
				g.prio = int64(p.depth - 1 - i)
			}
		}
	}
	best := rs[0]
	for _, x := range rs[1:] {
		if x.prio > best.prio {
			best = x
		}
	}
	return best
}

// dfsStrat follows a prefix of choices, then takes the first option: the
// goroutine that gave way if it can go on (no preemption), else the
// runnable one of lowest index. Options are ordered that way too.
type dfsStrat struct {
	choices []int
	bound   int
	used    int // preemptions so far
}

func (d *dfsStrat) newG(*G) {}

func (d *dfsStrat) pick(s *Sched, g *G, rs []*G) *G {
	opts := rs
	cont := g != nil && (g.st == runnable || g.st == running)
	if cont {
		opts = make([]*G, 0, len(rs))
		opts = append(opts, g)
		for _, x := range rs {
			if x != g {
				opts = append(opts, x)
			}
		}
	}
	i := 0
	if n := len(s.trace); n < len(d.choices) {
		i = d.choices[n]
	}
	if i >= len(opts) {
		i = 0
	}
	if cont && i > 0 {
		if d.used >= d.bound {
			i = 0
		} else {
			d.used++
		}
	}
	s.trace = append(s.trace, choice{pick: i, n: len(opts), preempt: cont})
	return opts[i]
}

// nextDFS returns the choices of the schedule that follows t's in
// depth-first order, given the decisions of t's run, or false when the
// space of schedules with at most bound preemptions is exhausted.
func nextDFS(trace []choice, bound int) ([]int, bool) {
	used := make([]int, len(trace)+1) // preemptions before step i
	for i, c := range trace {
		used[i+1] = used[i]
		if c.preempt && c.pick > 0 {
			used[i+1]++
		}
	}
	for i := len(trace) - 1; i >= 0; i-- {
		c := trace[i]
		if c.pick+1 >= c.n {
			continue
		}
		if c.preempt && c.pick == 0 && used[i] >= bound {
			continue // a preemption here would pass the bound
		}
		next := make([]int, i+1)
		for j := range i {
			next[j] = trace[j].pick
		}
		next[i] = c.pick + 1
		return next, true
	}
	return nil, false
}

func (r *randomStrat) restart(seed uint64, _ int) {
	r.rng = rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
}

func (d *dfsStrat) restart(uint64, int) {}
