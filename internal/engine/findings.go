package engine

import (
	"sync"

	"github.com/gridlock-go/gridlock/report"
)

// The findings delivered so far, for the live view: the first report of
// each identity, and how many times it was seen. Bounded: past
// maxLogged identities, new ones are counted by kind only.
const maxLogged = 1000

var findingLog struct {
	mu     sync.Mutex
	list   []*report.Finding
	byKey  map[string]int      // index in list
	byKind map[report.Kind]int // distinct findings
	seen   map[report.Kind]int // occurrences
}

// logFinding notes a delivered finding: a new identity, or a repeat of
// one (f.Repeat, or f.Count > 1).
func logFinding(f *report.Finding, n int) {
	findingLog.mu.Lock()
	defer findingLog.mu.Unlock()
	if findingLog.byKey == nil {
		findingLog.byKey = make(map[string]int)
		findingLog.byKind = make(map[report.Kind]int)
		findingLog.seen = make(map[report.Kind]int)
	}
	findingLog.seen[f.Kind]++
	if i, ok := findingLog.byKey[f.Key]; ok {
		findingLog.list[i].Count = max(findingLog.list[i].Count, n)
		return
	}
	if f.Repeat {
		return // the first report is beyond the bound, or was Reset
	}
	findingLog.byKind[f.Kind]++
	if len(findingLog.list) >= maxLogged {
		return
	}
	c := *f
	c.Count = max(n, 1)
	findingLog.byKey[f.Key] = len(findingLog.list)
	findingLog.list = append(findingLog.list, &c)
}

// Findings returns the findings delivered so far, one per identity, in
// the order they were first delivered, each with the number of times it
// was seen in Count. The results are copies, safe to use while findings
// keep coming.
func Findings() []*report.Finding {
	findingLog.mu.Lock()
	defer findingLog.mu.Unlock()
	out := make([]*report.Finding, len(findingLog.list))
	for i, f := range findingLog.list {
		c := *f
		out[i] = &c
	}
	return out
}

// FindingsByKind counts the distinct findings delivered so far by kind.
func FindingsByKind() map[report.Kind]int {
	findingLog.mu.Lock()
	defer findingLog.mu.Unlock()
	out := make(map[report.Kind]int, len(findingLog.byKind))
	for k, n := range findingLog.byKind {
		out[k] = n
	}
	return out
}

// FindingsSeen counts the findings delivered so far by kind, repeats
// included.
func FindingsSeen() map[report.Kind]int {
	findingLog.mu.Lock()
	defer findingLog.mu.Unlock()
	out := make(map[report.Kind]int, len(findingLog.seen))
	for k, n := range findingLog.seen {
		out[k] = n
	}
	return out
}

// resetFindingLog forgets the findings delivered.
func resetFindingLog() {
	findingLog.mu.Lock()
	findingLog.list, findingLog.byKey, findingLog.byKind, findingLog.seen = nil, nil, nil, nil
	findingLog.mu.Unlock()
}
