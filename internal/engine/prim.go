package engine

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Prim is the engine's record of a channel, wait group, condition or
// semaphore: the goroutines that have operated on it, which is how the
// detector infers who may still release a waiter of it.
type Prim struct {
	id   uint64
	kind waitgraph.ResourceKind
	site uintptr

	// send and recv are the goroutines seen sending and receiving (for a
	// channel), or signalling (send, for a condition).
	send, recv partners
	closed     atomic.Bool
	// maker is the goroutine that made the channel, if seen (Made), and
	// capacity the channel's capacity, when known.
	maker    atomic.Uint64
	capacity atomic.Int64
	// partial: a native channel, whose partners are seen only where
	// gridlock rewrote the program; nilChan: the nil channel.
	partial, nilChan bool

	mu sync.Mutex // guards the maps below
	// Channel: goroutines that were given it when they started (so may
	// send or receive on it), by direction.
	mayRecv, maySend map[uint64]bool
	// Wait group: the counter; the last goroutine to add (adderKey) and
	// how many goroutines it may still start that are thought to owe a
	// Done for its Adds (slots: an Add of n pays for the next n).
	counter weakIn[atomic.Int64] // weak: see Lock.readers
	adder   atomic.Uint64
	slots   atomic.Int64
	owersN  atomic.Int32 // len(owers), read without the lock
	// lastDoner is the last goroutine to call Done: Done again by it,
	// with nobody owing one, costs a comparison.
	lastDoner atomic.Uint64
	// owers are the goroutines thought to owe a Done; paid counts the
	// Dones they paid, and paidSites the go statements of the goroutines
	// that paid (a few), which corroborate that their siblings are
	// workers. doners are the goroutines that called Done without being
	// thought to owe one, such as a long-lived goroutine that serves
	// requests: Dones come from outside the owers.
	owers      map[uint64]ower
	paid       int
	paidSites  []uintptr
	doners     map[uint64]bool
	donersOver bool // more doners than tracked
	// Semaphore: permits held, and permits granted to a waiter that Grant
	// has not yet recorded as held, by goroutine.
	holders holderSet
	handOff atomic.Bool // permits released by a goroutine that held none
	// Condition: the record of its locker, if it is a watched lock.
	lock *Lock
}

// PrimRef is the field primitives embed: a pointer to their Prim, created
// on first use.
type PrimRef struct {
	p atomic.Pointer[Prim]
}

// Get returns the record, creating it at call site pc if needed.
func (r *PrimRef) Get(kind waitgraph.ResourceKind, pc uintptr) *Prim {
	return r.GetCounter(kind, pc, nil)
}

// GetCounter is Get for a wait group, whose record reads its counter.
func (r *PrimRef) GetCounter(kind waitgraph.ResourceKind, pc uintptr, counter *atomic.Int64) *Prim {
	old := r.p.Load()
	if old != nil && (counter == nil || old.counter.isZero() || old.counter.Value() != nil) {
		return old
	}
	// None yet, or the record of a wait group that is garbage, found by a
	// new one made at its address before the sweep dropped its home: its
	// Adds and owers are not the new one's.
	p := &Prim{id: e.nextID.Add(1), kind: kind, site: pc}
	if counter != nil {
		p.counter = makeWeakIn(counter)
	}
	if r.p.CompareAndSwap(old, p) {
		return p
	}
	return r.p.Load()
}

// Peek returns the record or nil.
func (r *PrimRef) Peek() *Prim { return r.p.Load() }

// Dead reports whether r's record is that of a wait group that is
// garbage (its counter's weak pointer is nil).
func (r *PrimRef) Dead() bool {
	p := r.p.Load()
	return p != nil && !p.counter.isZero() && p.counter.Value() == nil
}

// Label returns the name findings use for p.
func (p *Prim) Label() string { return fmt.Sprintf("%s#%d", p.kind, p.id) }

// ID returns p's id.
func (p *Prim) ID() uint64 { return p.id }

// partners is a set of goroutine ids, lock-free to look up; the common
// case, the same goroutine again, costs one comparison.
type partners struct {
	last atomic.Uint64
	set  atomic.Pointer[idSet]
	mu   sync.Mutex
	over atomic.Bool // more distinct goroutines than tracked
}

const maxPartners = 1 << 12

type idSet struct {
	slots []atomic.Uint64
	mask  uint64
	n     int
}

func (ps *partners) note(gid uint64) {
	if ps.last.Load() != gid {
		ps.noteSlow(gid)
	}
}

func (ps *partners) noteSlow(gid uint64) {
	ps.last.Store(gid)
	if s := ps.set.Load(); s != nil && s.has(gid) {
		return
	}
	ps.add(gid)
}

func (s *idSet) has(gid uint64) bool {
	for i := hashID(gid) & s.mask; ; i = (i + 1) & s.mask {
		switch s.slots[i].Load() {
		case gid:
			return true
		case 0:
			return false
		}
	}
}

func (ps *partners) add(gid uint64) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	s := ps.set.Load()
	if s != nil && s.has(gid) {
		return
	}
	if s == nil || (s.n+1)*2 > len(s.slots) {
		size := 8
		if s != nil {
			size = 2 * len(s.slots)
		}
		if size > 2*maxPartners {
			ps.over.Store(true)
			return
		}
		ns := &idSet{slots: make([]atomic.Uint64, size), mask: uint64(size - 1)}
		if s != nil {
			for i := range s.slots {
				if v := s.slots[i].Load(); v != 0 {
					ns.insert(v)
				}
			}
		}
		ps.set.Store(ns)
		s = ns
	}
	s.insert(gid)
}

func (s *idSet) insert(gid uint64) {
	for i := hashID(gid) & s.mask; ; i = (i + 1) & s.mask {
		if s.slots[i].Load() == 0 {
			s.slots[i].Store(gid)
			s.n++
			return
		}
	}
}

// has reports whether goroutine gid is in the set.
func (ps *partners) has(gid uint64) bool {
	if ps.last.Load() == gid {
		return true
	}
	s := ps.set.Load()
	return s != nil && s.has(gid)
}

// ids returns the goroutines in the set.
func (ps *partners) ids() []uint64 {
	s := ps.set.Load()
	if s == nil {
		return nil
	}
	var out []uint64
	for i := range s.slots {
		if v := s.slots[i].Load(); v != 0 {
			out = append(out, v)
		}
	}
	return out
}

// NoteSend records that goroutine gid sent on the channel (or signalled
// the condition). It costs a comparison when gid did so last time.
func (p *Prim) NoteSend(gid uint64) { p.send.note(gid) }

// NoteRecv records that goroutine gid received from the channel.
func (p *Prim) NoteRecv(gid uint64) { p.recv.note(gid) }

// NoteGiven records that goroutine gid was given the channel when it
// started (gridlock.Go's uses), so that it may send or receive on it even
// before it has.
func (p *Prim) NoteGiven(gid uint64, send, recv bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if send {
		if p.maySend == nil {
			p.maySend = make(map[uint64]bool)
		}
		p.maySend[gid] = true
	}
	if recv {
		if p.mayRecv == nil {
			p.mayRecv = make(map[uint64]bool)
		}
		p.mayRecv[gid] = true
	}
}

func (p *Prim) given(send bool) []uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mayRecv
	if send {
		m = p.maySend
	}
	ids := make([]uint64, 0, len(m))
	for gid := range m {
		ids = append(ids, gid)
	}
	return ids
}

// NoteClose records that the channel was closed: its receivers never
// block again.
func (p *Prim) NoteClose() { p.closed.Store(true) }

// NoteMade records that goroutine gid made the channel. The maker is not
// a partner for the live detector (it may hand the channel to code
// gridlock does not see); it is shown in the graph, where a post-mortem
// of goroutines blocked for good reads it as the holder of the channel's
// other end.
func (p *Prim) NoteMade(gid uint64, capacity int) {
	p.capacity.Store(int64(capacity))
	p.maker.Store(gid)
}

// SetLock tells a condition's record the record of its locker.
func (p *Prim) SetLock(l *Lock) {
	p.mu.Lock()
	p.lock = l
	p.mu.Unlock()
}

// ower is why a goroutine is thought to owe a wait group a Done.
type ower struct {
	why  string
	site uintptr // the go statement that started it, for an inferred ower
	// certain: started by WaitGroup.Go, which calls Done itself; otherwise
	// inferred from its start after an Add.
	certain bool
}

// maxPaidSites bounds Prim.paidSites.
const maxPaidSites = 8

// NoteAdd records that goroutine gid added delta to the wait group: the
// next delta goroutines it starts through gridlock.Go are thought to owe
// Done. It costs an atomic add, and a comparison when gid was the last
// goroutine to add.
func (p *Prim) NoteAdd(gid uint64, delta int64) {
	if delta <= 0 || !Enabled() {
		return
	}
	if c := p.counter.Value(); c != nil && c.Load() == 0 {
		p.slots.Store(delta) // a new round: what the last one left is stale
	} else {
		p.slots.Add(delta)
	}
	if p.adder.Load() != adderKey(gid, e.epoch.Load()) {
		p.noteAddSlow(gid)
	}
}

// takeSlot takes one of the goroutines the adder's Adds pay for, if any
// is left: the goroutine being started owes a Done.
func (p *Prim) takeSlot() bool {
	for {
		n := p.slots.Load()
		if n <= 0 {
			return false
		}
		if p.slots.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// pending reports whether goroutines started next may owe the wait group
// a Done: its counter is positive and its Adds pay for more goroutines.
func (p *Prim) pending() bool {
	c := p.counter.Value()
	return c != nil && c.Load() > 0 && p.slots.Load() > 0
}

// adderKey is what Prim.adder holds for goroutine gid whose state lists
// the wait group as of maintenance round epoch: a round may drop the
// state, and with it the list.
func adderKey(gid uint64, epoch uint32) uint64 { return gid<<16 | uint64(uint16(epoch)) }

func (p *Prim) noteAddSlow(gid uint64) {
	epoch := e.epoch.Load()
	g := goroutine(gid)
	if !containsPrim(g.adds, p) {
		// Forget wait groups that have since been waited out, or whose
		// Adds are paid for: a goroutine that adds to thousands of wait
		// groups, one per request, keeps a short list.
		kept := g.adds[:0]
		for _, q := range g.adds {
			if q.pending() {
				kept = append(kept, q)
			} else if k := q.adder.Load(); k>>16 == gid {
				q.adder.CompareAndSwap(k, 0)
			}
		}
		clear(g.adds[len(kept):])
		g.adds = append(kept, p)
	}
	p.adder.Store(adderKey(gid, epoch))
}

// AddOwer records that goroutine gid owes the wait group a Done for sure
// (it was started by WaitGroup.Go), and why.
func (p *Prim) AddOwer(gid uint64, why string) { p.addOwer(gid, ower{why: why, certain: true}) }

func (p *Prim) addOwer(gid uint64, o ower) {
	p.mu.Lock()
	if p.owers == nil {
		p.owers = make(map[uint64]ower)
	}
	p.owers[gid] = o
	p.owersN.Store(int32(len(p.owers)))
	p.mu.Unlock()
}

// Partners returns what the record knows of who may call Done on a wait
// group: the goroutines thought to owe a Done (exited ones included), the
// goroutines that called Done without owing one, and how many Dones the
// owers paid. gridlock explore decides a waiter's releasers from it, as
// the engine does.
func (p *Prim) Partners() (owers, doners []uint64, paid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for gid := range p.owers {
		owers = append(owers, gid)
	}
	for gid := range p.doners {
		doners = append(doners, gid)
	}
	return owers, doners, int(p.paid)
}

// HasOwers reports whether Done must be noted (NoteDone): always, for a
// wait group, so that Dones by goroutines that owe none are known. It is
// kept for the mirror's Done, which asks.
func (p *Prim) HasOwers() bool { return p.kind == waitgraph.WaitGroup }

// NoteDone records that goroutine gid called Done. It costs two loads
// when gid called Done last and no goroutine is thought to owe one.
func (p *Prim) NoteDone(gid uint64) {
	if p.lastDoner.Load() == gid && p.owersN.Load() == 0 {
		return
	}
	p.lastDoner.Store(gid)
	p.mu.Lock()
	if o, ok := p.owers[gid]; ok {
		delete(p.owers, gid)
		p.owersN.Store(int32(len(p.owers)))
		p.paid++
		if o.site != 0 && len(p.paidSites) < maxPaidSites && !slices.Contains(p.paidSites, o.site) {
			p.paidSites = append(p.paidSites, o.site)
		}
	} else if !p.doners[gid] {
		if p.doners == nil {
			p.doners = make(map[uint64]bool)
		}
		if len(p.doners) < maxPartners {
			p.doners[gid] = true
		} else {
			p.donersOver = true
		}
	}
	p.mu.Unlock()
}

// Lock locks the record. A semaphore guards its own state with it, so
// that what it does and what the record says never disagree, at the cost
// of one lock.
func (p *Prim) Lock() { p.mu.Lock() }

// Unlock unlocks the record.
func (p *Prim) Unlock() { p.mu.Unlock() }

// NoteAcquireLocked records, with p locked, that goroutine gid acquired n
// permits. It reports whether the goroutine must then call NoteHolding:
// only the first time it acquires permits of p.
func (p *Prim) NoteAcquireLocked(gid uint64, n int64) bool {
	h := p.holders.get(gid)
	h.n += n
	first := !h.noted
	h.noted = true
	return first
}

// NoteHolding records, in the calling goroutine gid, that it holds
// permits of p, so that findings about it list them. The goroutine calls
// it itself, after acquiring.
func (p *Prim) NoteHolding(gid uint64) {
	if !Enabled() {
		return
	}
	g := goroutine(gid)
	for _, q := range g.semas {
		if q == p {
			return
		}
	}
	e.wmu.Lock()
	g.semas = append(g.semas, p)
	e.wmu.Unlock()
}

// Granting records, with p locked, that n permits were handed to waiter
// gid; the semaphore then unlocks p and calls Grant. Until Grant, the
// permits count as the waiter's for the detector, and its wait as over.
func (p *Prim) Granting(gid uint64, n int64) {
	p.holders.get(gid).granting += n
}

// Grant completes a grant to goroutine gid for its wait seq (Wait.Seq),
// with p unlocked: the permits become held and the wait ends, in one step
// under the detector's lock, so that the waiter is never seen both holding
// them and waiting.
func (p *Prim) Grant(gid uint64, seq uint64) {
	move := func() {
		p.mu.Lock()
		if h := p.holders.find(gid); h != nil {
			h.n += h.granting
			h.granting = 0
			h.noted = true // the waiter calls NoteHolding when woken
		}
		p.mu.Unlock()
	}
	if !Enabled() {
		move()
		return
	}
	g := goroutine(gid)
	e.wmu.Lock()
	move()
	if rec := g.wait; rec != nil && len(rec.on) > 0 && rec.on[0].res == p {
		unregister(rec)
	} else {
		g.granted.res, g.granted.seq = p, seq
	}
	e.wmu.Unlock()
}

// grantedTo reports whether waiter gid was granted permits that Grant has
// not yet recorded.
func (p *Prim) grantedTo(gid uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.holders.find(gid)
	return h != nil && h.granting > 0
}

// NoteReleaseLocked records, with p locked, that goroutine gid released
// n permits. A release by a goroutine that holds fewer marks the semaphore
// as handed between goroutines: who holds what is then unknown.
func (p *Prim) NoteReleaseLocked(gid uint64, n int64) {
	if h := p.holders.find(gid); h != nil && h.n >= n {
		h.n -= n
		return
	} else if h != nil {
		h.n = 0
	}
	p.handOff.Store(true)
}

// forget tells p that goroutine gid's state was dropped: it must call
// NoteHolding again when it next acquires.
func (p *Prim) forget(gid uint64) {
	p.mu.Lock()
	if h := p.holders.find(gid); h != nil {
		h.noted = false
	}
	p.mu.Unlock()
}

// Holders returns the goroutines that hold a semaphore's permits, and
// whether the record knows them all (no permits were released by a
// goroutine that did not hold them). gridlock explore decides a waiter's
// releasers from it, as the engine does.
func (p *Prim) Holders() ([]uint64, bool) {
	p.mu.Lock()
	held := p.holders.held()
	p.mu.Unlock()
	gids := make([]uint64, 0, len(held))
	for gid := range held {
		gids = append(gids, gid)
	}
	return gids, !p.handOff.Load()
}

// Holding returns the permits goroutine gid holds.
func (p *Prim) Holding(gid uint64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.holders.find(gid); h != nil {
		return h.n
	}
	return 0
}

// maxReleasers is the most releasers a waiter's wait may have and still
// be decided: past it, the wait is never called stuck, so that the
// detector's work per wait stays bounded.
const maxReleasers = 256

// waitsFor reports whether goroutine gid (the waiter self, or another)
// waits for p. Called with e.wmu held.
func waitsFor(gid, self uint64, p *Prim) bool {
	if gid == self {
		return true
	}
	g := e.gtab.Load().lookup(gid)
	if g == nil || g.wait == nil {
		return false
	}
	for _, o := range g.wait.on {
		if o.res == p {
			return true
		}
	}
	return false
}

func containsPrim(ps []*Prim, p *Prim) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// node describes p for a graph.
func (p *Prim) node(b *builder) *waitgraph.Resource {
	r := &waitgraph.Resource{ID: p.Label(), Kind: p.kind, Exact: true, Partial: p.partial, Cap: int(p.capacity.Load())}
	if m := p.maker.Load(); m != 0 {
		r.Maker, r.MakerSent = int64(m), p.send.has(m)
	}
	if p.nilChan {
		r.ID, r.Name = "nil chan", "the nil channel: operations on it block forever"
	}
	if b.stacks {
		r.Site = frameOf(p.site)
	}
	p.mu.Lock()
	if p.kind == waitgraph.Cond && p.lock != nil {
		r.Name = "cond of " + b.resource(p.lock).ID
	}
	p.mu.Unlock()
	return r
}

// release returns who may release a waiter of p, inferred from what the
// program has done: the goroutines that sent on a channel before (for a
// receiver), received from it (for a sender), signalled a condition, owe
// a wait group a Done, or hold a semaphore's permits. Goroutines known to
// have exited are listed, marked so, but cannot release anything.
func (p *Prim) release(b *builder, w *waitRec, on waitOn) ([]waitgraph.Releaser, int, bool) {
	rels, quorum, exact := p.releasers(b, w, on)
	if len(rels) > maxReleasers {
		// Too many to decide on, or to show: the waiter is never called
		// stuck, and the goroutines past the first few are not visited.
		rels, exact = rels[:maxReleasers], false
	}
	return rels, quorum, exact
}

func (p *Prim) releasers(b *builder, w *waitRec, on waitOn) ([]waitgraph.Releaser, int, bool) {
	var rels []waitgraph.Releaser
	self := w.g.id
	add := func(gid uint64, why string, needed bool) {
		if len(rels) > maxReleasers {
			return // too many: see release
		}
		// The waiter itself may be its only partner (an actor sending to
		// its own inbox): it is listed, and cannot release itself.
		if gid != self && b.goroutine(gid) == nil {
			why += " (exited)"
		}
		rels = append(rels, waitgraph.Releaser{Goroutine: int64(gid), Why: why, Needed: needed})
	}
	switch p.kind {
	case waitgraph.Chan:
		if p.nilChan {
			return nil, 0, true // blocked forever, by construction
		}
		// A sender and a receiver both registered on one channel are about
		// to meet: the runtime pairs them as soon as both block.
		for _, og := range e.byRes[p] {
			if og == w.g || og.wait == nil {
				continue
			}
			for _, o := range og.wait.on {
				if o.res == p && o.mode != on.mode {
					return nil, 0, false
				}
			}
		}
		seen := map[uint64]bool{}
		if on.mode == waitgraph.Recv {
			if p.closed.Load() {
				return nil, 0, false // about to wake
			}
			for _, gid := range p.send.ids() {
				seen[gid] = true
				add(gid, "sent on it before", false)
			}
			for _, gid := range p.given(true) {
				if !seen[gid] && gid != self {
					seen[gid] = true
					add(gid, "was given it to send on when started", false)
				}
			}
			return rels, 0, len(seen) > 0 && !p.send.over.Load()
		}
		for _, gid := range p.recv.ids() {
			seen[gid] = true
			add(gid, "received from it before", false)
		}
		for _, gid := range p.given(false) {
			if !seen[gid] && gid != self {
				seen[gid] = true
				add(gid, "was given it to receive from when started", false)
			}
		}
		return rels, 0, len(seen) > 0 && !p.recv.over.Load()
	case waitgraph.Cond:
		signalers := p.send.ids()
		for _, gid := range signalers {
			// Having signalled before does not make the waiter its own
			// wake-up: a Signal that came before the Wait is lost.
			if gid != self {
				add(gid, "signalled it before", false)
			}
		}
		p.mu.Lock()
		l := p.lock
		p.mu.Unlock()
		if l != nil {
			// Whoever holds or waits for its lock may change the
			// condition and signal.
			if o := l.ownerSeen(); o != nil && o.ownID() != self {
				b.visit(o)
				rels = append(rels, waitgraph.Releaser{Goroutine: int64(o.ownID()), Why: "holds its lock"})
			}
			for _, wg := range e.byRes[l] {
				if wg.id != self {
					b.visit(wg)
					rels = append(rels, waitgraph.Releaser{Goroutine: int64(wg.id), Why: "waits for its lock"})
				}
			}
		}
		return rels, 0, len(signalers) > 0 && !p.send.over.Load()
	case waitgraph.WaitGroup:
		counter := int64(1)
		if c := p.counter.Value(); c != nil {
			counter = c.Load()
		}
		if counter <= 0 {
			return nil, 0, false // about to wake
		}
		p.mu.Lock()
		owers := make([]uint64, 0, len(p.owers))
		whys := make([]ower, 0, len(p.owers))
		for gid, o := range p.owers {
			owers = append(owers, gid)
			whys = append(whys, o)
		}
		doners := make([]uint64, 0, len(p.doners))
		for gid := range p.doners {
			doners = append(doners, gid)
		}
		paid, sites, over := p.paid, slices.Clone(p.paidSites), p.donersOver
		p.mu.Unlock()
		// A deadlock through a wait group needs every goroutine that could
		// call Done among the blocked. The engine knows the goroutines
		// started by WaitGroup.Go, and infers the others: a goroutine
		// started after an Add, which pays for it, is thought to owe a
		// Done, unless it waits for the wait group itself (a goroutine
		// that waits for the work, as a callback does) and no goroutine
		// of its go statement ever paid one.
		owing, live, skipped := 0, 0, 0
		for i, gid := range owers {
			o := whys[i]
			if !o.certain && !slices.Contains(sites, o.site) && waitsFor(gid, self, p) {
				skipped++ // and the Add it took may pay for a goroutine not known
				continue
			}
			owing++
			add(gid, o.why, false)
			if gid != self && b.goroutine(gid) != nil {
				live++
			}
		}
		// Goroutines that called Done without owing one: Dones come from
		// outside the owers too, from a long-lived goroutine that serves
		// requests or from goroutines it starts, which no one can name in
		// advance. A live one is a releaser; one that has exited means the
		// next Done may come from a goroutine not seen yet.
		gone := over
		for _, gid := range doners {
			if gid == self {
				continue // a wait cannot pay its own Done
			}
			add(gid, "called Done on it before", false)
			if b.goroutine(gid) != nil {
				live++
			} else {
				gone = true
			}
		}
		// Exact if the known goroutines can pay every Done owed, or if
		// every goroutine that owed one has paid or is gone, nobody else
		// ever paid one and no Add was taken by a waiter; never when Dones
		// came from goroutines that are gone.
		exact := !gone && (counter <= int64(live) || (live == 0 && owing+paid > 0 && len(doners) == 0 && skipped == 0))
		return rels, int(counter), exact
	case waitgraph.Semaphore:
		p.mu.Lock()
		holders := p.holders.held()
		p.mu.Unlock()
		r := b.resource(p)
		for gid, n := range holders {
			if gid == self {
				continue
			}
			if gr := b.goroutine(gid); gr != nil && gr.Runnable && !holds(gr, r.ID) {
				gr.Holds = append(gr.Holds, waitgraph.Hold{Resource: r.ID, Mode: waitgraph.Acquire, Count: n})
			}
			add(gid, fmt.Sprintf("holds %d permit(s)", n), false)
		}
		return rels, 0, !p.handOff.Load()
	}
	return nil, 0, false
}
