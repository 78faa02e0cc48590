package engine

import (
	"fmt"
	"testing"

	"github.com/gridlock-go/gridlock/report"
)

// TestFindingLog keeps one finding per identity with its count, counts
// occurrences by kind, stays bounded, and is forgotten by a reset.
func TestFindingLog(t *testing.T) {
	resetFindingLog()
	t.Cleanup(resetFindingLog)
	a := &report.Finding{Kind: report.Deadlock, Key: "a", Summary: "a"}
	logFinding(a, 1)
	logFinding(&report.Finding{Kind: report.Deadlock, Key: "a", Repeat: true}, 2)
	logFinding(&report.Finding{Kind: report.Deadlock, Key: "a"}, 3)
	logFinding(&report.Finding{Kind: report.LongWait, Key: "b", Repeat: true}, 2) // its first is unknown
	fs := Findings()
	if len(fs) != 1 || fs[0].Key != "a" || fs[0].Count != 3 || fs[0].Summary != "a" {
		t.Fatalf("findings = %+v", fs)
	}
	fs[0].Summary = "changed"
	if a.Summary != "a" || Findings()[0].Summary != "a" {
		t.Error("Findings returns the log's own findings")
	}
	if got := FindingsByKind(); got[report.Deadlock] != 1 || len(got) != 1 {
		t.Errorf("by kind = %v", got)
	}
	if got := FindingsSeen(); got[report.Deadlock] != 3 || got[report.LongWait] != 1 {
		t.Errorf("seen = %v", got)
	}
	for i := range maxLogged + 10 {
		logFinding(&report.Finding{Kind: report.LockOrderInversion, Key: fmt.Sprint("k", i)}, 1)
	}
	if n := len(Findings()); n != maxLogged {
		t.Errorf("%d findings logged, want the bound %d", n, maxLogged)
	}
	if got := FindingsByKind()[report.LockOrderInversion]; got != maxLogged+10 {
		t.Errorf("%d distinct inversions counted, want %d", got, maxLogged+10)
	}
	resetFindingLog()
	if len(Findings()) != 0 || len(FindingsByKind()) != 0 {
		t.Error("reset kept findings")
	}
}
