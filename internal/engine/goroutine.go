package engine

import (
	"fmt"
	"sync"
)

// Spawned is what a parent goroutine hands to the goroutine it starts with
// gridlock.Go.
type Spawned struct {
	parent uint64
	lender *G      // the parent, if it lent locks to the new goroutine
	pc     uintptr // the go statement
	wgs    []*Prim // wait groups with a pending Add by the parent
}

// Spawn is called by gridlock.Go in the parent goroutine, just before the
// go statement.
func Spawn(pc uintptr) Spawned {
	if !Enabled() {
		return Spawned{}
	}
	gid := Goid()
	s := Spawned{parent: gid, pc: pc}
	if g := e.gtab.Load().lookup(gid); g != nil {
		if g.n > 0 {
			g.lend()
			s.lender = g
		}
		for _, p := range g.adds {
			if c := p.counter.Value(); c != nil && c.Load() > 0 && p.takeSlot() {
				s.wgs = append(s.wgs, p)
			}
		}
	}
	return s
}

// Started is called first thing in a goroutine started by gridlock.Go. It
// names the goroutine and records it as owing a Done to the wait groups
// whose Adds by its parent, before starting it, pay for it.
func Started(s Spawned, name string) *G {
	if !Enabled() {
		return nil
	}
	g := goroutine(Goid())
	g.tracked = true
	g.parent = s.parent
	if s.lender != nil {
		s.lender.borrowed(g)
	}
	e.wmu.Lock()
	g.name, g.created = name, s.pc
	e.wmu.Unlock()
	for _, p := range s.wgs {
		p.addOwer(g.id, ower{why: fmt.Sprintf("started by goroutine %d after its Add", s.parent), site: s.pc})
	}
	return g
}

// Name sets the calling goroutine's name, as findings show it.
func Name(name string) {
	if !Enabled() {
		return
	}
	g := goroutine(Goid())
	e.wmu.Lock()
	g.name = name
	e.wmu.Unlock()
}

// exitedSet remembers the ids of recently exited tracked goroutines, so
// that the detector knows they will release nothing.
type exitedSet struct {
	mu   sync.Mutex
	ids  map[uint64]bool
	ring []uint64
	next int
}

const maxExited = 1 << 14

func (s *exitedSet) add(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = make(map[uint64]bool)
		s.ring = make([]uint64, maxExited)
	}
	if old := s.ring[s.next]; old != 0 {
		delete(s.ids, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % maxExited
	s.ids[id] = true
}

func (s *exitedSet) has(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}
