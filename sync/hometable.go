//go:build !gridlock_off

package sync

// homeTable is a shard's table of homes by address: open addressing with
// linear probing, at most half full, each slot the address and its home.
// Finding that an address has no home and giving it one touch one slot,
// where a Go map reads a group's control word, then writes a slot of the
// group; and a sweep reads the slots in order, then puts the homes that
// stay in a cleared table, where a map iterates and deletes one by one.
// Its users hold the shard's lock.
type homeTable struct {
	slots []homeEntry // a power of two long, or empty
	shift uint        // 64 - log2(len(slots)), less the shard's bits
	n     int
	// added counts the homes added since the last sweep: the sweep
	// sizes the table for as many more (see rebuild).
	added int
}

type homeEntry struct {
	addr uintptr // 0 for an empty slot
	h    *home
}

// minHomeSlots is the smallest table.
const minHomeSlots = 64

// homePage is log2 of the span of addresses whose homes are in one shard,
// in nearby slots: locks made one after another are mostly at nearby
// addresses, and their homes then share the table's cache lines instead of
// each costing a miss in a table larger than the processor's cache.
const homePage = 12

// homeHash is the hash of an address's page: its top bits choose the
// shard (see shardOf), and the rest an offset in its table, where the
// page's addresses follow one another.
func homeHash(a uintptr) uint64 { return uint64(a>>homePage) * 0x9E3779B97F4A7C15 }

// index returns the slot where probing for a begins: the page's offset
// plus a's word in the page. Pages at the same offset in the table (locks
// at one offset in large objects) are told apart by the hash.
func (t *homeTable) index(a uintptr) uint64 {
	return (homeHash(a)<<homeShardBits>>t.shift + uint64(a>>3)) & uint64(len(t.slots)-1)
}

// find returns the slot of a's home and true, or, if a has none, the slot
// where it would go and false. The table must not be empty.
func (t *homeTable) find(a uintptr) (uint64, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := t.index(a); ; i = (i + 1) & mask {
		switch t.slots[i].addr {
		case a:
			return i, true
		case 0:
			return i, false
		}
	}
}

// get returns a's home and its slot, or nil.
func (t *homeTable) get(a uintptr) (*home, uint64) {
	if t.n == 0 {
		return nil, 0
	}
	i, ok := t.find(a)
	if !ok {
		return nil, i
	}
	return t.slots[i].h, i
}

// add gives a, which has no home in t, the home h.
func (t *homeTable) add(a uintptr, h *home) {
	if (t.n+1)*2 > len(t.slots) {
		t.resize(max(minHomeSlots, 2*len(t.slots)))
	}
	i, _ := t.find(a)
	t.slots[i] = homeEntry{a, h}
	t.n++
	t.added++
}

// resize moves the homes to a table of size slots.
func (t *homeTable) resize(size int) {
	old := t.slots
	t.slots = make([]homeEntry, size)
	t.setShift()
	for _, en := range old {
		if en.addr != 0 {
			i, _ := t.find(en.addr)
			t.slots[i] = en
		}
	}
}

func (t *homeTable) setShift() {
	bits := uint(0)
	for 1<<bits < len(t.slots) {
		bits++
	}
	t.shift = 64 - bits
}

// deleteAt empties slot i, moving back the homes after it that probing
// would no longer find.
func (t *homeTable) deleteAt(i uint64) {
	mask := uint64(len(t.slots) - 1)
	t.n--
	for j := i; ; {
		t.slots[i] = homeEntry{}
		for {
			j = (j + 1) & mask
			if t.slots[j].addr == 0 {
				return
			}
			// The home at j stays if its own slot k lies cyclically in
			// (i, j]: probing from k reaches j without crossing i.
			k := t.index(t.slots[j].addr)
			if i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
				continue
			}
			t.slots[i] = t.slots[j]
			i = j
			break
		}
	}
}

// size returns the size of a table for kept homes and as many as were
// added since the last sweep.
func (t *homeTable) size(kept int) int {
	size := minHomeSlots
	for size < 2*(kept+t.added)+2 {
		size *= 2
	}
	return size
}

// oversized reports whether the table is more than twice the size it
// would be rebuilt at with kept homes.
func (t *homeTable) oversized(kept int) bool { return t.size(kept) < len(t.slots)/2 }

// rebuild empties the table and puts back kept, sizing it for them and
// for as many homes as were added since the last sweep, as many as may be
// added before the next: a table that locks made and dropped one after
// another fill keeps its size, and one that a burst of locks grew shrinks
// at the first sweep after they are gone.
func (t *homeTable) rebuild(kept []*home) {
	size := t.size(len(kept))
	if size < len(t.slots) {
		t.slots = make([]homeEntry, size)
		t.setShift()
	} else {
		clear(t.slots)
	}
	t.n = 0
	for _, h := range kept {
		i, _ := t.find(h.addr)
		t.slots[i] = homeEntry{h.addr, h}
		t.n++
	}
	t.added = 0
}
