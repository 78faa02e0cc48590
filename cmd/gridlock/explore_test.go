package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// exploreModule writes the module of testdata/explore: two rare bugs
// (TestLedger: a reader between two locked steps of a writer waits for a
// confirmation nobody sends; TestGate: a Cond.Wait after the Signal went
// by) and a correct pipeline (TestSquares).
func exploreModule(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"bugs.go", "bugs_test.go", "more_test.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "explore", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return module(t, files)
}

var replayRE = regexp.MustCompile(`gridlock explore -replay (\S+) (\S+) -- -run '\^(\w+)\$'`)

func TestExploreFindsAndReplays(t *testing.T) {
	dir := exploreModule(t)
	for _, tc := range []struct {
		test, strategy, kind, waiter string
	}{
		// The confirmation channel's maker, the test, waits for the
		// reader: a circular wait.
		{"TestLedger", "pct", "deadlock", "TestLedger.func2"},
		{"TestGate", "random", "partial-deadlock", "TestGate.func1"},
		{"TestLedger", "dfs", "deadlock", "TestLedger.func2"},
		// The second goroutine sleeps to let the first go first: the
		// first, slow, waits for a notification never sent. The only
		// goroutine given the channel has exited: no live goroutine can
		// end the wait (as gridlock test decides it), and the test waits
		// behind it.
		{"TestSleepFirst", "pct", "partial-deadlock", "TestSleepFirst.func1"},
	} {
		t.Run(tc.test+"/"+tc.strategy, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "out.json")
			r := gridlock(t, dir, "explore", "-schedules", "1000", "-strategy", tc.strategy, "-json", js, ".", "--", "-run", "^"+tc.test+"$")
			if r.code != 1 {
				t.Fatalf("want exit 1, got %s", r)
			}
			var recs []exploreRecord
			b, err := os.ReadFile(js)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &recs); err != nil || len(recs) != 1 {
				t.Fatalf("-json: %v %s", err, b)
			}
			rec := recs[0]
			if rec.Test != tc.test || rec.Replay == "" || rec.Finding == nil || string(rec.Kind) != tc.kind {
				t.Fatalf("record %+v\n%s", rec, r)
			}
			if !slices.ContainsFunc(rec.Goroutines, func(g *waitgraph.Goroutine) bool { return g.Name == tc.waiter }) {
				t.Errorf("the finding does not name the waiter %q:\n%s", tc.waiter, r)
			}
			m := replayRE.FindStringSubmatch(r.stderr)
			if m == nil || m[1] != rec.Replay || m[3] != tc.test {
				t.Fatalf("no replay command for %s in\n%s", rec.Replay, r.stderr)
			}
			for i := range 3 {
				js := filepath.Join(t.TempDir(), "replay.json")
				rr := gridlock(t, dir, "explore", "-replay", m[1], "-json", js, m[2], "--", "-run", "^"+m[3]+"$")
				var again []exploreRecord
				b, _ := os.ReadFile(js)
				if rr.code != 1 || json.Unmarshal(b, &again) != nil || len(again) != 1 || again[0].Finding == nil || again[0].Key != rec.Key {
					t.Fatalf("replay %d: want the same finding %s, got %s", i, rec.Key, rr)
				}
			}
		})
	}
}

func TestExploreCorrectIsSilent(t *testing.T) {
	dir := exploreModule(t)
	r := gridlock(t, dir, "explore", "-schedules", "1000", ".", "--", "-run", "^TestSquares$")
	if r.code != 0 || !strings.Contains(r.stderr, "1000 schedules of 1 tests") {
		t.Fatalf("want 1000 silent schedules, got %s", r)
	}
	// 3.5s of sleeps, tickers and timers in each schedule: virtual time;
	// a poll loop with a non-blocking receive.
	r = gridlock(t, dir, "explore", "-schedules", "1000", ".", "--", "-run", "^(TestRetries|TestPoll)$")
	if r.code != 0 || !strings.Contains(r.stderr, "2000 schedules of 2 tests") {
		t.Fatalf("want 2000 silent schedules, got %s", r)
	}
	r = gridlock(t, dir, "explore", "-strategy", "dfs", "-depth", "2", ".", "--", "-run", "^TestCounter$")
	if r.code != 0 || !strings.Contains(r.stderr, "every schedule with at most 2 preemptions was run") {
		t.Fatalf("want an exhausted DFS, got %s", r)
	}
}

func TestExploreBadFlags(t *testing.T) {
	dir := exploreModule(t)
	for _, args := range [][]string{
		{"explore", "-strategy", "bfs", "."},
		{"explore", "-replay", "!!", "."},
		{"explore", "-schedules", "0", "."},
	} {
		r := gridlock(t, dir, args...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: want one line and exit 2, got %s", args, r)
		}
	}
}

var subReplayRE = regexp.MustCompile(`gridlock explore -replay (\S+) (\S+) -- -run '(\S+)'`)

// TestExploreSubtests: a bug in a parallel subtest is found, the failure
// names the subtest, and the replay command (the subtest alone, or the
// whole test when that replays it) gives the same finding 3 times out of 3.
func TestExploreSubtests(t *testing.T) {
	dir := exploreModule(t)
	js := filepath.Join(t.TempDir(), "out.json")
	r := gridlock(t, dir, "explore", "-schedules", "1000", "-json", js, ".", "--", "-run", "^TestTable$")
	var recs []exploreRecord
	b, _ := os.ReadFile(js)
	if r.code != 1 || json.Unmarshal(b, &recs) != nil || len(recs) != 1 || recs[0].Finding == nil {
		t.Fatalf("want one finding, got %s", r)
	}
	if recs[0].Test != "TestTable/torn" || recs[0].Kind != "deadlock" {
		t.Fatalf("record %+v", recs[0])
	}
	// The replay command runs the subtest alone when explore checked that
	// this gives the same finding, else the whole test (the subtest's
	// schedule may then differ: docs/explore.md); either must replay it.
	m := subReplayRE.FindStringSubmatch(r.stderr)
	if m == nil || m[1] != recs[0].Replay || (m[3] != "^TestTable$/^torn$" && m[3] != "^TestTable$") {
		t.Fatalf("want a replay command for the subtest in\n%s", r.stderr)
	}
	for i := range 3 {
		js := filepath.Join(t.TempDir(), "replay.json")
		rr := gridlock(t, dir, "explore", "-replay", m[1], "-json", js, m[2], "--", "-run", m[3])
		var again []exploreRecord
		b, _ := os.ReadFile(js)
		if rr.code != 1 || json.Unmarshal(b, &again) != nil || len(again) != 1 || again[0].Finding == nil || again[0].Key != recs[0].Key || again[0].Test != "TestTable/torn" {
			t.Fatalf("replay %d: want the same finding %s, got %s", i, recs[0].Key, rr)
		}
	}
}
