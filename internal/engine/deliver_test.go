package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// instanceOf returns the finding one iteration of a loop over fresh
// locks gives: the same kind, classes and sites, but goroutine ids and
// instance numbers of its own.
func instanceOf(i int) *report.Finding {
	mu := fmt.Sprintf("Server.mu#%d", 100+i)
	wg := fmt.Sprintf("waitgroup#%d", 200+i)
	at := waitgraph.Stack{{Func: "srv.(*Server).Rebuild", File: "/src/srv.go", Line: 27}}
	return &report.Finding{
		Kind:    report.Deadlock,
		Summary: fmt.Sprintf("goroutine %d waits for %s, which needs goroutine %d", 10+i, wg, 50+i),
		Graph: waitgraph.Graph{
			Goroutines: []*waitgraph.Goroutine{
				{ID: int64(10 + i), Holds: []waitgraph.Hold{{Resource: mu, Mode: waitgraph.Lock, Stack: waitgraph.Stack{{File: "/src/srv.go", Line: 20}}}},
					Wait: &waitgraph.WaitFor{Resource: wg, Mode: waitgraph.Wait, Stack: at}},
				{ID: int64(50 + i), Wait: &waitgraph.WaitFor{Resource: mu, Mode: waitgraph.Lock, Stack: waitgraph.Stack{{File: "/src/srv.go", Line: 23}}}},
			},
			Resources: []*waitgraph.Resource{
				{ID: mu, Kind: waitgraph.Mutex, Name: "Server.mu"},
				{ID: wg, Kind: waitgraph.WaitGroup, Site: &waitgraph.Frame{File: "/src/srv.go", Line: 24}},
			},
		},
		Positions: []string{"/src/srv.go:27", "/src/srv.go:23"},
		Source:    "runtime",
	}
}

func TestDeliverCountsRepeats(t *testing.T) {
	prev := CurrentOptions()
	defer Configure(prev)
	Reset()
	defer Reset()
	var out bytes.Buffer
	var handled []*report.Finding
	path := filepath.Join(t.TempDir(), "report.jsonl")
	Configure(Options{Level: LevelOn, Output: &out, ReportPath: path, OnFinding: func(f *report.Finding) { handled = append(handled, f) }})
	const n = 20
	for i := range n {
		deliver([]*report.Finding{instanceOf(i)})
	}
	if len(handled) != 1 {
		t.Fatalf("handler called %d times, want once", len(handled))
	}
	if got := Count(handled[0]); got != n {
		t.Errorf("Count = %d, want %d", got, n)
	}
	if got := strings.Count(out.String(), "gridlock: deadlock:"); got != 1 {
		t.Errorf("text output has %d reports, want 1:\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "gridlock: deadlock at /src/srv.go:27: seen 10 times\n") {
		t.Errorf("text output lacks the note at 10 repeats:\n%s", out.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil || len(fs) != n {
		t.Fatalf("report file: %d records, %v; want %d", len(fs), err, n)
	}
	var set report.Set
	for i, f := range fs {
		if f.Repeat != (i > 0) || f.Key != fs[0].Key {
			t.Errorf("record %d: repeat %v, key %q; want repeat %v, key %q", i, f.Repeat, f.Key, i > 0, fs[0].Key)
		}
		set.Add("srv", f)
	}
	if got := set.Findings(); len(got) != 1 || got[0].Count != n || len(got[0].Summary) == 0 {
		t.Errorf("set of the report file = %+v, want one finding seen %d times", got, n)
	}

	// Another bug, and the same bug after Reset, are reported.
	other := instanceOf(0)
	other.Positions = []string{"/src/srv.go:99"}
	deliver([]*report.Finding{other})
	Reset()
	deliver([]*report.Finding{instanceOf(n)})
	if len(handled) != 3 {
		t.Errorf("handler called %d times, want 3", len(handled))
	}
}

func TestMilestone(t *testing.T) {
	var got []int
	for n := range 1001 {
		if milestone(n) && n > 1 {
			got = append(got, n)
		}
	}
	if fmt.Sprint(got) != "[10 100 1000]" {
		t.Errorf("milestones = %v", got)
	}
}
