package report

import (
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Finding is one problem found by a detector: its kind, a one-line
// summary, the part of the wait-for graph involved (goroutines with what they
// hold and wait for, resources, order edges) and the fix hint.
type Finding struct {
	Kind    Kind   `json:"kind"`
	Summary string `json:"summary"`
	// Graph holds the goroutines, resources and order edges involved. For a
	// lock-order-inversion, Orders is the cycle, in order.
	waitgraph.Graph
	// Positions lists the source positions that matter most, as
	// "file:line", the first being where the problem shows.
	Positions []string `json:"positions,omitempty"`
	Hint      string   `json:"hint,omitempty"`
	// Source names the detector: "runtime", "dump", "vet".
	Source string `json:"source,omitempty"`
	// Certainty says how sure the detector is; empty means certain. The
	// runtime engine sees every watched lock and is certain; a goroutine
	// dump, which does not show who holds a sync.Mutex nor what a select
	// waits for, is often only likely.
	Certainty Certainty `json:"certainty,omitempty"`
	Time      time.Time `json:"time,omitzero"`
	// Key is the finding's identity (see Identity), when its source
	// computed it: repeats of one bug have the same key.
	Key string `json:"key,omitempty"`
	// Count is how many times the bug was seen, across iterations,
	// instances, tests and test binaries; 0 or 1 means once.
	Count int `json:"count,omitempty"`
	// Tests lists the places it was seen in: for gridlock test, the test
	// binaries (packages) that reported it.
	Tests []string `json:"tests,omitempty"`
	// Repeat marks a record that only counts one more occurrence of the
	// finding reported first with the same Key: it names the goroutines
	// involved, not what they do.
	Repeat bool `json:"repeat,omitempty"`
}

// Certainty says how sure a finding is.
type Certainty string

// The degrees of certainty.
const (
	// Certain: decided from complete information, such as the runtime
	// engine's own records, the runtime's "all goroutines are asleep" or
	// its "(leaked)" mark.
	Certain Certainty = "certain"
	// Likely: decided from what a dump suggests, such as the candidate
	// holders of a mutex; the summary says what was assumed.
	Likely Certainty = "likely"
	// Possible: a pattern worth a look that one dump cannot confirm, such
	// as a goroutine that may be looping.
	Possible Certainty = "possible"
)

// Title returns the kind's title.
func (f *Finding) Title() string { return f.Kind.Info().Title }
