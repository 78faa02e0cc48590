package report_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// leak is the finding for one pool whose workers wait on a channel no one
// sends on: instance i has goroutine ids and channel numbers of its own.
func leak(i, workers int, line int) *report.Finding {
	ch := fmt.Sprintf("chan#%d", 300+i)
	f := &report.Finding{
		Kind:      report.PartialDeadlock,
		Summary:   fmt.Sprintf("goroutine %d has waited 2s on %s", 100*i, ch),
		Positions: []string{fmt.Sprintf("/src/pool.go:%d", line)},
		Graph: waitgraph.Graph{
			Resources: []*waitgraph.Resource{{ID: ch, Kind: waitgraph.Chan, Exact: true, Site: &waitgraph.Frame{Func: "pool.New", File: "/src/pool.go", Line: 12}}},
		},
	}
	for w := range workers {
		f.Goroutines = append(f.Goroutines, &waitgraph.Goroutine{
			ID: int64(100*i + w), Name: "worker", State: "blocked",
			Wait:      &waitgraph.WaitFor{Resource: ch, Mode: waitgraph.Recv, Stack: waitgraph.Stack{{Func: "pool.work", File: "/src/pool.go", Line: line}}},
			Stack:     waitgraph.Stack{{Func: "pool.work", File: "/src/pool.go", Line: line}},
			CreatedBy: &waitgraph.Frame{Func: "pool.New", File: "/src/pool.go", Line: 14},
		})
	}
	return f
}

func TestIdentity(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b *report.Finding
		same bool
	}{
		{"another instance", leak(1, 3, 40), leak(2, 3, 40), true},
		{"another pool size", leak(1, 3, 40), leak(2, 8, 40), true},
		{"another site", leak(1, 3, 40), leak(1, 3, 41), false},
		{"stuck at one place on channels made at two", leak(1, 3, 40), func() *report.Finding {
			f := leak(2, 3, 40)
			f.Resources[0].Site = &waitgraph.Frame{Func: "pool.NewOther", File: "/src/pool.go", Line: 90}
			return f
		}(), true},
		{"stuck on another kind of object", leak(1, 3, 40), func() *report.Finding {
			f := leak(1, 3, 40)
			f.Resources[0].Kind = waitgraph.WaitGroup
			return f
		}(), false},
		{"an inversion through a lock made at another site", inversion(), func() *report.Finding {
			f := inversion()
			f.Resources[0].Site = &waitgraph.Frame{Func: "bank.Other", File: "/src/bank.go", Line: 99}
			return f
		}(), false},
		{"another kind", leak(1, 3, 40), func() *report.Finding { f := leak(1, 3, 40); f.Kind = report.LongWait; return f }(), false},
		{"another class", inversion(), func() *report.Finding {
			f := inversion()
			f.Resources[1].Name = "journal"
			return f
		}(), false},
		{"an address in a name", func() *report.Finding {
			f := inversion()
			f.Resources[0].Name = "Conn.mu of *Conn 0xc000012345"
			return f
		}(), func() *report.Finding {
			f := inversion()
			f.Resources[0].Name = "Conn.mu of *Conn 0xc000099999"
			return f
		}(), true},
	} {
		if got := report.Identity(tc.a) == report.Identity(tc.b); got != tc.same {
			t.Errorf("%s: same identity = %v, want %v\n%s\n--\n%s", tc.name, got, tc.same, report.Identity(tc.a), report.Identity(tc.b))
		}
	}
	f := leak(1, 3, 40)
	f.Key = "given"
	if f.Identity() != "given" {
		t.Errorf("Identity ignores Key: %q", f.Identity())
	}
}

func TestSetCountsRepeats(t *testing.T) {
	var s report.Set
	var shown int
	for test, pkg := range []string{"example.com/a", "example.com/b"} {
		for i := range 20 {
			if s.Add(pkg, leak(100*test+i, 3, 40)) {
				shown++
			}
		}
	}
	if s.Add("example.com/a", leak(0, 1, 77)) {
		shown++
	}
	if shown != 2 || s.Len() != 2 || s.Total() != 41 {
		t.Fatalf("shown %d, %d distinct, %d in all; want 2, 2, 41", shown, s.Len(), s.Total())
	}
	first := s.Findings()[0]
	if first.Count != 40 || strings.Join(first.Tests, " ") != "example.com/a example.com/b" || first.Key == "" {
		t.Errorf("first finding: count %d, tests %v, key %q", first.Count, first.Tests, first.Key)
	}
	if got := report.Seen(first); got != "seen 40 times in 2 tests" {
		t.Errorf("Seen = %q", got)
	}
	// A repeat record counts one, whatever its count.
	s.Add("example.com/c", &report.Finding{Kind: report.PartialDeadlock, Key: first.Key, Count: 7, Repeat: true})
	if first.Count != 41 || len(first.Tests) != 3 {
		t.Errorf("after a repeat record: count %d, tests %v", first.Count, first.Tests)
	}
	var b strings.Builder
	s.WriteSummary(&b)
	want := "gridlock: 2 findings (42 reports): 2 partial-deadlock\n" +
		"gridlock:   partial-deadlock at /src/pool.go:40: seen 41 times in 3 tests\n"
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
	// In JSON, a finding carries its count and tests.
	j, err := json.Marshal(first)
	if err != nil || !strings.Contains(string(j), `"count":41`) || !strings.Contains(string(j), `"tests":["example.com/a","example.com/b","example.com/c"]`) {
		t.Errorf("JSON: %s, %v", j, err)
	}
}

func TestTextGroupsAlikeGoroutines(t *testing.T) {
	f := leak(1, 37, 40)
	other := leak(2, 1, 52).Goroutines[0]
	other.Wait.Resource = f.Resources[0].ID
	f.Goroutines = append(f.Goroutines, other)
	text := report.Text(f)
	if n := strings.Count(text, "pool.work (/src/pool.go:40)"); n != 2 { // the wait and the stack, once
		t.Errorf("the workers' stack is printed %d times, want once:\n%s", n, text)
	}
	if !strings.Contains(text, "  37 goroutines like this one: 100, 101, 102, 103, 104, 105, 106, 107, ...\n") {
		t.Errorf("no group line:\n%s", text)
	}
	if !strings.Contains(text, "goroutine 200 (worker) [blocked]:") {
		t.Errorf("the goroutine that differs is not shown:\n%s", text)
	}
}

func TestTrimNamesAFewReleasers(t *testing.T) {
	f := leak(1, 2, 40)
	r := f.Resources[0]
	for id := range 1300 {
		r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: int64(1000 + id), Why: "sent on it before"})
	}
	r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: 101, Why: "sent on it before"})
	report.Trim(f)
	if len(r.Releasers) != report.MaxReleasers || r.MoreReleasers != 1301-report.MaxReleasers {
		t.Fatalf("%d releasers named, %d more; want %d, %d", len(r.Releasers), r.MoreReleasers, report.MaxReleasers, 1301-report.MaxReleasers)
	}
	if r.Releasers[0].Goroutine != 101 {
		t.Errorf("the finding's own goroutine is not named first: %+v", r.Releasers)
	}
	if text := report.Text(f); !strings.Contains(text, fmt.Sprintf("    ... and %d more\n", 1301-report.MaxReleasers)) {
		t.Errorf("text does not count the rest:\n%s", text)
	}
}

func TestTextGroupsResourcesOfOneClass(t *testing.T) {
	f := leak(1, 1, 40)
	site := f.Resources[0].Site
	for i := range 30 {
		f.Resources = append(f.Resources, &waitgraph.Resource{ID: fmt.Sprintf("chan#%d", 400+i), Kind: waitgraph.Chan, Site: site})
	}
	text := report.Text(f)
	if !strings.Contains(text, "  and 30 more like it: chan#400, chan#401, chan#402, chan#403, chan#404, chan#405, chan#406, chan#407, ...\n") {
		t.Errorf("resources of one class not grouped:\n%s", text)
	}
	// Two of one class, as in a transfer between two accounts, are shown
	// each.
	pair := deadlock()
	pair.Resources = []*waitgraph.Resource{{ID: "Account.mu#1", Kind: waitgraph.Mutex}, {ID: "Account.mu#2", Kind: waitgraph.Mutex}}
	if text := report.Text(pair); !strings.Contains(text, "  Account.mu#1 (mutex)\n  Account.mu#2 (mutex)\n") {
		t.Errorf("two resources of one class grouped:\n%s", text)
	}
}

func TestSetRepeatBeforeItsFirst(t *testing.T) {
	// A repeat record may come before the finding it repeats: it is kept
	// as a stub, not shown, and the finding takes its place.
	var s report.Set
	full := leak(1, 2, 40)
	key := report.Identity(full)
	if s.Add("a", &report.Finding{Kind: full.Kind, Key: key, Repeat: true}) {
		t.Error("a repeat record is shown")
	}
	full.Key = key
	if !s.Add("b", full) {
		t.Error("the full finding after its repeat is not shown")
	}
	if s.Add("a", leak(2, 2, 40)) {
		t.Error("a repeat after the full finding is shown")
	}
	fs := s.Findings()
	if len(fs) != 1 || fs[0] != full || full.Count != 3 || full.Repeat || len(full.Tests) != 2 {
		t.Errorf("findings %d, count %d, repeat %v, tests %v; want the full finding seen 3 times in a and b", len(fs), full.Count, full.Repeat, full.Tests)
	}
}
