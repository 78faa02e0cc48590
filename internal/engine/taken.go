package engine

import "sync/atomic"

// Locks a goroutine has taken. A lock held across a wait on a primitive
// can close a cycle only if a goroutine that may end the wait wants the
// lock too; whether such a goroutine ever took it is read here, when a
// wait registers.
//
// The set is written by its goroutine alone, on the paths of Lock that
// already look the goroutine up (the lock was last taken by another
// goroutine, or the acquisition waited): a goroutine taking again a lock
// it took last costs nothing more. Other goroutines read it with atomic
// loads.

// maxTaken bounds the locks remembered per goroutine; beyond it, locks
// taken for the first time are not remembered, and a wait under them is
// reported only for the other reasons (a partner waits for the lock, or
// the wait is long).
const maxTaken = 1 << 10

// takenSet is an open-addressed set of lock ids with the call site of the
// first acquisition seen, filled to half at most (a lock never taken,
// looked up on each wait, is found absent after few probes). A goroutine's
// first set is one allocation, its slots inside it: a program of 100,000
// goroutines that each take a few locks pays 192 bytes a goroutine.
type takenSet struct {
	ids  []atomic.Uint64
	pcs  []atomic.Uint64 // uintptrs
	mask uint64
	n    int // owner only
	// small holds the slots of a first set.
	small [2 * smallTaken]atomic.Uint64
}

// smallTaken is the number of slots of a goroutine's first set.
const smallTaken = 8

// newTakenSet returns an empty set of size slots.
func newTakenSet(size int) *takenSet {
	s := new(takenSet)
	slots := s.small[:]
	if size > smallTaken {
		slots = make([]atomic.Uint64, 2*size)
	}
	s.ids, s.pcs, s.mask = slots[:size:size], slots[size:], uint64(size-1)
	return s
}

// noteTaken records that g took l at call site pc. Only g's goroutine
// calls it.
func (g *G) noteTaken(l *Lock, pc uintptr) {
	if s := g.taken.Load(); s != nil && s.find(l.id) >= 0 {
		return
	}
	g.addTaken(l.id, pc)
}

//go:noinline
func (g *G) addTaken(id uint64, pc uintptr) {
	s := g.taken.Load()
	if s == nil || (s.n+1)*2 > len(s.ids) {
		size := smallTaken
		if s != nil {
			size = 2 * len(s.ids)
		}
		if size > 2*maxTaken {
			return
		}
		ns := newTakenSet(size)
		if s != nil {
			for i := range s.ids {
				if v := s.ids[i].Load(); v != 0 {
					ns.insert(v, uintptr(s.pcs[i].Load()))
				}
			}
		}
		g.taken.Store(ns)
		s = ns
	}
	s.insert(id, pc)
}

func (s *takenSet) insert(id uint64, pc uintptr) {
	for i := hashID(id) & s.mask; ; i = (i + 1) & s.mask {
		if s.ids[i].Load() == 0 {
			s.pcs[i].Store(uint64(pc))
			s.ids[i].Store(id) // publishes the pc
			s.n++
			return
		}
	}
}

func (s *takenSet) find(id uint64) int {
	for i := hashID(id) & s.mask; ; i = (i + 1) & s.mask {
		switch s.ids[i].Load() {
		case id:
			return int(i)
		case 0:
			return -1
		}
	}
}

// took reports whether g has taken l, and where it first did. Any
// goroutine may call it.
func (g *G) took(l *Lock) (pc uintptr, ok bool) {
	s := g.taken.Load()
	if s == nil {
		return 0, false
	}
	if i := s.find(l.id); i >= 0 {
		return uintptr(s.pcs[i].Load()), true
	}
	return 0, false
}
