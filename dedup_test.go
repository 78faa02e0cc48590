package gridlock_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

func TestSameBugInALoopIsReportedOnce(t *testing.T) {
	// The same forgotten Done, on a fresh WaitGroup in every iteration:
	// one partial deadlock is reported, the others are counted.
	path := filepath.Join(t.TempDir(), "report.jsonl")
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond), func(c *gridlock.Config) { c.ReportFile = path })
	const n = 5
	wgs := make([]*sync.WaitGroup, n)
	for i := range wgs {
		wg := new(sync.WaitGroup)
		wgs[i] = wg
		wg.Add(1)
		gridlock.Go("worker", func() {}) // the bug: returns without Done
		go wg.Wait()
	}
	var fs []*report.Finding
	for deadline := time.Now().Add(10 * time.Second); len(fs) < n && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		fs, _ = report.ReadJSON(strings.NewReader(string(b)))
	}
	for _, wg := range wgs {
		wg.Done()
	}
	if len(fs) != n {
		t.Fatalf("%d records in the report file, want %d", len(fs), n)
	}
	if got := r.Of(report.PartialDeadlock); len(got) != 1 {
		t.Errorf("%d partial deadlocks delivered, want 1", len(got))
	}
	// One record in full, n-1 repeats, in any order: the records are
	// written as the checks of the waits deliver them.
	full := 0
	for i, f := range fs {
		if !f.Repeat {
			full++
		}
		if f.Kind != report.PartialDeadlock || f.Key != fs[0].Key {
			t.Errorf("record %d: %s, key %q; want a partial deadlock, key %q", i, f.Kind, f.Key, fs[0].Key)
		}
	}
	if full != 1 {
		t.Errorf("%d records in full, want 1", full)
	}
	// The records add up to n occurrences of one bug, as gridlock test
	// counts them. (Each repeat carries the count so far; the record in
	// full may come after repeats made from its quick key, and then carries
	// none of its own.)
	var set report.Set
	for _, f := range fs {
		set.Add("", f)
	}
	if got := set.Findings(); len(got) != 1 {
		t.Errorf("the records add up to %d findings, want 1", len(got))
	} else if got[0].Count != n {
		t.Errorf("the records add up to a finding seen %d times, want %d", got[0].Count, n)
	}
}
