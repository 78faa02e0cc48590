package engine

// holderSet is a semaphore's record of the permits each goroutine holds
// or is being granted. Acquire and Release look up the calling goroutine
// in it under the semaphore's lock, so it avoids a map while it is small:
// a slice searched linearly, with an index only once many goroutines hold
// permits at the same time. Entries whose permits are all released stay,
// so a goroutine that acquires again finds its entry; they are dropped
// when the slice would otherwise grow.
type holderSet struct {
	list []holder
	idx  map[uint64]int // gid → position in list; nil while list is short
	max  int            // length at which list is compacted or grows
}

type holder struct {
	gid      uint64
	n        int64 // permits held
	granting int64 // permits granted, not yet recorded as held
	noted    bool  // the goroutine has called NoteHolding for the set's semaphore
}

const linearHolders = 16

func (h *holder) empty() bool { return h.n == 0 && h.granting == 0 }

// find returns gid's entry or nil.
func (hs *holderSet) find(gid uint64) *holder {
	if hs.idx != nil {
		if i, ok := hs.idx[gid]; ok {
			return &hs.list[i]
		}
		return nil
	}
	for i := range hs.list {
		if hs.list[i].gid == gid {
			return &hs.list[i]
		}
	}
	return nil
}

// get returns gid's entry, adding it if needed.
func (hs *holderSet) get(gid uint64) *holder {
	if h := hs.find(gid); h != nil {
		return h
	}
	if hs.max == 0 {
		hs.max = linearHolders
	}
	if len(hs.list) >= hs.max {
		hs.compact()
	}
	if hs.idx == nil {
		// Reuse an empty entry before growing.
		for i := range hs.list {
			if hs.list[i].empty() {
				hs.list[i] = holder{gid: gid}
				return &hs.list[i]
			}
		}
	}
	hs.list = append(hs.list, holder{gid: gid})
	if hs.idx != nil {
		hs.idx[gid] = len(hs.list) - 1
	}
	return &hs.list[len(hs.list)-1]
}

// compact drops empty entries, and switches to (or from) an index by the
// number left.
func (hs *holderSet) compact() {
	kept := hs.list[:0]
	for _, h := range hs.list {
		if !h.empty() {
			kept = append(kept, h)
		}
	}
	clear(hs.list[len(kept):])
	hs.list = kept
	hs.max = max(linearHolders, 2*len(kept))
	if len(kept) < linearHolders/2 {
		hs.idx = nil
		return
	}
	hs.idx = make(map[uint64]int, len(kept))
	for i, h := range kept {
		hs.idx[h.gid] = i
	}
}

// held returns the permits each goroutine holds or is being granted.
func (hs *holderSet) held() map[uint64]int64 {
	m := make(map[uint64]int64)
	for _, h := range hs.list {
		if !h.empty() {
			m[h.gid] = h.n + h.granting
		}
	}
	return m
}
