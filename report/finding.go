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
	Source string    `json:"source,omitempty"`
	Time   time.Time `json:"time,omitzero"`
}

// Title returns the kind's title.
func (f *Finding) Title() string { return f.Kind.Info().Title }
