package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExploreHangKeepsFinding: a schedule that hangs out of the
// scheduler's control (on a channel made before the test, which stays
// reachable) after the engine found something reports that finding, in
// the text and in -json, with the schedule that replays it.
func TestExploreHangKeepsFinding(t *testing.T) {
	dir := module(t, map[string]string{"hang_test.go": `package hang

import (
	"sync"
	"testing"
)

var never = make(chan int) // made outside any schedule

func TestHang(t *testing.T) {
	var a, b sync.Mutex
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()
	b.Lock()
	a.Lock() // the other order
	a.Unlock()
	b.Unlock()
	<-never
}
`})
	js := filepath.Join(t.TempDir(), "out.json")
	r := gridlock(t, dir, "explore", "-wait", "2s", "-json", js, ".")
	if r.code != 1 || !strings.Contains(r.stderr, "TestHang hung under a schedule") {
		t.Fatalf("want exit 1 and a hang, got %s", r)
	}
	var recs []exploreRecord
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &recs); err != nil || len(recs) != 1 {
		t.Fatalf("-json: %v %s", err, b)
	}
	if rec := recs[0]; rec.Finding == nil || rec.Kind != "lock-order-inversion" || rec.Test != "TestHang" || rec.Replay == "" {
		t.Fatalf("want the lock-order-inversion found before the hang, got %s", b)
	}
	if !strings.Contains(r.stderr, "gridlock: lock-order-inversion") || !strings.Contains(r.stderr, "gridlock explore -replay ") {
		t.Errorf("the finding and its replay are not printed:\n%s", r.stderr)
	}
}
