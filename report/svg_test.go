package report_test

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func abbaFinding() *report.Finding {
	f := &report.Finding{Kind: report.Deadlock, Summary: "a <cycle> & more", Certainty: report.Likely}
	f.Resources = []*waitgraph.Resource{
		{ID: "mutex 0xa", Kind: waitgraph.Mutex, Name: "0xa", HoldersUnknown: true, Releasers: []waitgraph.Releaser{{Goroutine: 2}}},
		{ID: "mutex 0xb", Kind: waitgraph.Mutex, Name: "0xb", HoldersUnknown: true, Releasers: []waitgraph.Releaser{{Goroutine: 1}}},
	}
	f.Goroutines = []*waitgraph.Goroutine{
		{ID: 1, Wait: &waitgraph.WaitFor{Resource: "mutex 0xb", Mode: waitgraph.Lock, Stack: waitgraph.Stack{{Func: "main.transfer", File: "/src/main.go", Line: 9}}}},
		{ID: 2, Wait: &waitgraph.WaitFor{Resource: "mutex 0xa", Mode: waitgraph.Lock}},
	}
	return f
}

func TestWriteSVG(t *testing.T) {
	var b strings.Builder
	if err := report.WriteSVG(&b, []*report.Finding{abbaFinding(), abbaFinding()}); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	// Well-formed XML: an inline SVG that does not parse shows nothing.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
	}
	for _, want := range []string{"goroutine 1", "goroutine 2", "0xa (mutex)", "main.transfer:9", "waits (lock)", "held by?", "deadlock (likely): 2 goroutines"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Count(svg, `<rect`) != 8 {
		t.Errorf("%d boxes, want 8 (4 per finding)", strings.Count(svg, `<rect`))
	}
}

func ExampleWriteSVG() {
	var b strings.Builder
	report.WriteSVG(&b, []*report.Finding{abbaFinding()})
	svg := b.String()
	fmt.Println(strings.HasPrefix(svg, "<svg"), strings.Count(svg, "<rect"))
	// Output: true 4
}
