package engine

import "testing"

func TestHolderSet(t *testing.T) {
	tests := []struct {
		name string
		ops  func(hs *holderSet)
		peak int // most goroutines holding permits at once
		want map[uint64]int64
	}{
		{"empty", func(hs *holderSet) {}, 0, map[uint64]int64{}},
		{"one holder", func(hs *holderSet) { hs.get(7).n += 2 }, 1, map[uint64]int64{7: 2}},
		{"released entries are not listed", func(hs *holderSet) {
			hs.get(7).n++
			hs.get(8).n++
			hs.get(7).n--
		}, 2, map[uint64]int64{8: 1}},
		{"granting counts", func(hs *holderSet) {
			hs.get(3).n++
			hs.get(3).granting += 2
		}, 1, map[uint64]int64{3: 3}},
		{"churn of short-lived goroutines", func(hs *holderSet) {
			for gid := uint64(1); gid <= 1000; gid++ {
				hs.get(gid).n++
				if gid%100 != 0 {
					hs.get(gid).n--
				}
			}
		}, 11, map[uint64]int64{100: 1, 200: 1, 300: 1, 400: 1, 500: 1, 600: 1, 700: 1, 800: 1, 900: 1, 1000: 1}},
		{"many holders at once", func(hs *holderSet) {
			for gid := uint64(1); gid <= 50; gid++ {
				hs.get(gid).n++
			}
			for gid := uint64(1); gid <= 50; gid++ {
				if gid > 2 {
					hs.get(gid).n--
				}
			}
			for gid := uint64(51); gid <= 60; gid++ {
				hs.get(gid).n++ // back to fewer: compaction drops the index
			}
		}, 50, map[uint64]int64{1: 1, 2: 1, 51: 1, 52: 1, 53: 1, 54: 1, 55: 1, 56: 1, 57: 1, 58: 1, 59: 1, 60: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hs holderSet
			tt.ops(&hs)
			got := hs.held()
			if len(got) != len(tt.want) {
				t.Fatalf("held = %v, want %v", got, tt.want)
			}
			for gid, n := range tt.want {
				if got[gid] != n {
					t.Errorf("held[%d] = %d, want %d (all: %v)", gid, got[gid], n, got)
				}
				if h := hs.find(gid); h == nil || h.n+h.granting != n {
					t.Errorf("find(%d) = %+v, want %d permits", gid, h, n)
				}
			}
			// Entries are bounded by twice the most holders at once.
			if len(hs.list) > max(linearHolders, 2*tt.peak) {
				t.Errorf("%d entries kept, for at most %d holders at once", len(hs.list), tt.peak)
			}
			if hs.idx != nil {
				for gid, i := range hs.idx {
					if hs.list[i].gid != gid {
						t.Errorf("idx[%d] = %d, which is goroutine %d", gid, i, hs.list[i].gid)
					}
				}
			}
		})
	}
}
