package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func inversion() *report.Finding {
	return &report.Finding{
		Kind:    report.LockOrderInversion,
		Summary: "locks taken in a cyclic order: account → ledger → account",
		Graph: waitgraph.Graph{
			Goroutines: []*waitgraph.Goroutine{{ID: 7}, {ID: 9}},
			Resources: []*waitgraph.Resource{
				{ID: "account", Kind: waitgraph.Mutex, Name: "account", Site: &waitgraph.Frame{Func: "bank.New", File: "/src/bank.go", Line: 10}},
				{ID: "ledger", Kind: waitgraph.Mutex, Name: "ledger", Level: 20},
			},
			Orders: []waitgraph.Order{
				{From: "account", To: "ledger", Goroutine: 7,
					FromStack: waitgraph.Stack{{Func: "bank.post", File: "/src/bank.go", Line: 31}},
					Stack:     waitgraph.Stack{{Func: "bank.post", File: "/src/bank.go", Line: 32}, {Func: "main.main", File: "/src/main.go", Line: 5}}},
				{From: "ledger", To: "account", Goroutine: 9,
					FromStack: waitgraph.Stack{{Func: "bank.audit", File: "/src/bank.go", Line: 41}},
					Stack:     waitgraph.Stack{{Func: "bank.audit", File: "/src/bank.go", Line: 42}}},
			},
		},
		Positions: []string{"/src/bank.go:32", "/src/bank.go:42"},
		Hint:      report.LockOrderInversion.Info().Hint,
		Source:    "runtime",
	}
}

func deadlock() *report.Finding {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &report.Finding{
		Kind:    report.Deadlock,
		Summary: "goroutine 1 waits for b held by goroutine 2; goroutine 2 waits for a held by goroutine 1",
		Graph: waitgraph.Graph{
			Goroutines: []*waitgraph.Goroutine{
				{ID: 1, Name: "worker", Holds: []waitgraph.Hold{{Resource: "a", Mode: waitgraph.Lock, Stack: waitgraph.Stack{{Func: "main.f", File: "/m.go", Line: 3}}}},
					Wait: &waitgraph.WaitFor{Resource: "b", Mode: waitgraph.Lock, Since: since, Stack: waitgraph.Stack{{Func: "main.f", File: "/m.go", Line: 4}}}},
				{ID: 2, Holds: []waitgraph.Hold{{Resource: "b", Mode: waitgraph.Lock}},
					Wait: &waitgraph.WaitFor{Resource: "a", Mode: waitgraph.Lock, Since: since}},
			},
			Resources: []*waitgraph.Resource{{ID: "a", Kind: waitgraph.Mutex}, {ID: "b", Kind: waitgraph.Mutex}},
		},
		Time: since.Add(1500 * time.Millisecond),
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *report.Finding
		want []string
	}{
		{"inversion", inversion(), []string{
			"gridlock: lock-order-inversion: possible circular locking dependency",
			"-> #0 account → ledger, in goroutine 7",
			"   account taken at bank.post (/src/bank.go:31)",
			"\tbank.post (/src/bank.go:32)\n\tmain.main (/src/main.go:5)",
			"possible unsafe scenario:",
			"  lock(account)\n",
			"                            lock(ledger)\n",
			"*** DEADLOCK ***",
			"ledger (mutex, level 20)",
			"account (mutex), first used at bank.New (/src/bank.go:10)",
			"see https://github.com/gridlock-go/gridlock/blob/main/docs/findings/lock-order-inversion.md",
		}},
		{"deadlock", deadlock(), []string{
			"gridlock: deadlock: goroutines deadlocked in a circular wait",
			"goroutine 1 (worker):\n  holds a (lock), taken at main.f (/m.go:3)\n  waits for b (lock) for 1.5s, at main.f (/m.go:4)",
			"goroutine 2:\n  holds b (lock)\n  waits for a (lock) for 1.5s\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := report.Text(tc.f)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("text lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestLine(t *testing.T) {
	if got, want := report.Line(inversion()), "/src/bank.go:32: lock-order-inversion: locks taken in a cyclic order: account → ledger → account"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	fs := []*report.Finding{inversion(), deadlock()}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	// The documented fields are there, with their JSON names.
	var raw []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kind", "summary", "goroutines", "resources", "positions"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("JSON lacks %q: %s", key, buf.String())
		}
	}
	back, err := report.ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].Orders[1].Stack[0].Line != 42 || back[1].Goroutines[0].Name != "worker" {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func TestReadJSONLines(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range []*report.Finding{inversion(), deadlock()} {
		b, _ := json.Marshal(f)
		buf.Write(append(b, '\n'))
	}
	fs, err := report.ReadJSON(&buf)
	if err != nil || len(fs) != 2 || fs[1].Kind != report.Deadlock {
		t.Fatalf("ReadJSON(lines) = %v, %v", fs, err)
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	report.WriteJSON(&buf, nil)
	if got := strings.TrimSpace(buf.String()); got != "[]" {
		t.Errorf("empty list = %q, want []", got)
	}
}

func TestDOT(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteDOT(&buf, []*report.Finding{deadlock(), inversion()}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, w := range []string{
		"digraph gridlock {",
		`"f0_r:a" -> "f0_g:1" [label="held (lock)"]`,
		`"f0_g:1" -> "f0_r:b" [color=red,style=dashed,label="waits (lock)"]`,
		`"f1_r:account" -> "f1_r:ledger" [color=blue,label="before (g7)"]`,
		`label="goroutine 1 (worker)\nmain.f"`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("DOT lacks %q:\n%s", w, got)
		}
	}
	if strings.Count(got, "{") != strings.Count(got, "}") {
		t.Errorf("unbalanced braces:\n%s", got)
	}
}

func TestMermaid(t *testing.T) {
	var buf bytes.Buffer
	report.WriteMermaid(&buf, []*report.Finding{deadlock()})
	got := buf.String()
	for _, w := range []string{"flowchart LR", "-.->|waits|", "-->|held|", `(["goroutine 1 (worker)"])`} {
		if !strings.Contains(got, w) {
			t.Errorf("Mermaid lacks %q:\n%s", w, got)
		}
	}
}

func TestCatalog(t *testing.T) {
	seen := map[report.Kind]bool{}
	for _, i := range report.Catalog() {
		if seen[i.Kind] {
			t.Errorf("kind %s twice", i.Kind)
		}
		seen[i.Kind] = true
		if i.Title == "" || i.Hint == "" || !i.Kind.Known() {
			t.Errorf("kind %s lacks a title or hint", i.Kind)
		}
	}
	if report.Kind("nonsense").Known() {
		t.Error("unknown kind is known")
	}
}

func ExampleLine() {
	f := &report.Finding{
		Kind:    report.RecursiveLock,
		Summary: "goroutine 5 locks cache, which it already holds: it will wait for itself forever",
	}
	fmt.Print(report.Line(f))
	// Output: recursive-lock: goroutine 5 locks cache, which it already holds: it will wait for itself forever
}

func TestEveryKindHasAPage(t *testing.T) {
	for _, i := range report.Catalog() {
		if _, err := os.Stat(filepath.Join("..", "docs", "findings", string(i.Kind)+".md")); err != nil {
			t.Errorf("kind %s: %v", i.Kind, err)
		}
	}
}
