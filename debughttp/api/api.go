// Package api defines the JSON that package debughttp serves, so that its
// readers (gridlock top, a script, a test) decode it into the same types.
//
// Two documents are served under the handler's root, /debug/gridlock/:
//
//   - api/snapshot: a [Snapshot], the live wait-for graph: the program's
//     goroutines grouped by stack and state, the resources gridlock watches
//     with their holders and waiters, and the circular waits among them;
//   - api/findings: the findings so far, a JSON array of report.Finding,
//     the schema of gridlock test -json (read it with report.ReadJSON).
//
// Fields are only ever added to these types, never renamed or removed.
package api

import (
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Paths of the endpoints, relative to the handler's root.
const (
	// Root is where package debughttp registers its handler on
	// http.DefaultServeMux.
	Root = "/debug/gridlock/"

	PathSnapshot = "api/snapshot" // a Snapshot
	PathFindings = "api/findings" // a JSON array of report.Finding
	PathMetrics  = "metrics"      // Prometheus text exposition format
)

// Snapshot is the live wait-for graph of a program, served at
// api/snapshot.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// TookSeconds is how long taking it took.
	TookSeconds float64 `json:"tookSeconds"`
	// Enabled reports whether gridlock's detection is on in the program.
	Enabled bool `json:"enabled"`
	// Goroutines is the number of goroutines in the program.
	Goroutines int `json:"goroutines"`
	// Groups are the goroutines grouped by state and stack, most
	// interesting first: those in a circular wait, then those that hold or
	// wait for a watched resource, then by count.
	Groups []Group `json:"groups"`
	// Resources are the locks, channels and other primitives that a
	// goroutine holds or waits for, as gridlock sees them.
	Resources []Resource `json:"resources"`
	// Cycles are the circular waits among the goroutines shown, as the
	// runtime detector decides them (a deadlock finding reports each).
	// Goroutines blocked for good without a circular wait show through
	// their partial-deadlock findings.
	Cycles []Cycle `json:"cycles,omitempty"`
	// Findings is the number of distinct findings so far: see
	// api/findings.
	Findings int `json:"findings"`
	// FindingsByKind counts them by kind (report.Kind).
	FindingsByKind map[string]int `json:"findingsByKind,omitempty"`
}

// A Group is a set of goroutines in the same state with the same stack.
type Group struct {
	// Key identifies the group from one snapshot to the next: a hash of
	// its state and stack.
	Key string `json:"key"`
	// Count is the number of goroutines in the group.
	Count int `json:"count"`
	// State is the runtime's status of the goroutines ("running",
	// "runnable", or a wait reason such as "chan receive", "select",
	// "sync.Mutex.Lock", "IO wait"), without the wait's duration.
	State string `json:"state"`
	// Function is the innermost function of the program's own code on
	// the stack (gridlock's and the runtime's frames are skipped), and
	// Where its position as "file:line".
	Function string `json:"function,omitempty"`
	Where    string `json:"where,omitempty"`
	// Stack is the stack, innermost frame first, without gridlock's own
	// frames.
	Stack waitgraph.Stack `json:"stack,omitempty"`
	// CreatedBy is the go statement that started the goroutines, when
	// the runtime says.
	CreatedBy *waitgraph.Frame `json:"createdBy,omitempty"`
	// MinWaitSeconds and MaxWaitSeconds bound how long the members have
	// been in their current wait, when known: gridlock's own record for a
	// wait on a watched resource, else the runtime's (which it gives in
	// whole minutes, from one minute on).
	MinWaitSeconds float64 `json:"minWaitSeconds,omitempty"`
	MaxWaitSeconds float64 `json:"maxWaitSeconds,omitempty"`
	// Goroutines lists members of the group, those in the wait-for graph
	// first, up to a bound; More counts the members not listed.
	Goroutines []Goroutine `json:"goroutines"`
	More       int         `json:"more,omitempty"`
	// InCycle reports that a member is in one of the snapshot's Cycles.
	InCycle bool `json:"inCycle,omitempty"`
}

// Goroutine is one goroutine of a Group.
type Goroutine struct {
	ID int64 `json:"id"`
	// Name is a name the program gave it (gridlock.Go).
	Name string `json:"name,omitempty"`
	// WaitSeconds is how long it has been in its current wait, when known
	// (see Group.MinWaitSeconds), and Since when the wait began, when
	// gridlock saw it begin.
	WaitSeconds float64   `json:"waitSeconds,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	// Holds lists the watched resources it holds.
	Holds []Hold `json:"holds,omitempty"`
	// Wait is the watched resource it waits for, nil if none.
	Wait *Wait `json:"wait,omitempty"`
	// InCycle reports that it is in one of the snapshot's Cycles.
	InCycle bool `json:"inCycle,omitempty"`
}

// Hold is a resource a goroutine holds.
type Hold struct {
	Resource string         `json:"resource"` // Resource.ID
	Mode     waitgraph.Mode `json:"mode"`
	Count    int64          `json:"count,omitempty"` // semaphore permits
	// Where is where it was acquired, as "file:line", when known.
	Where string `json:"where,omitempty"`
}

// Wait is a goroutine's wait for a resource.
type Wait struct {
	Resource string         `json:"resource"` // Resource.ID
	Mode     waitgraph.Mode `json:"mode"`
	Count    int64          `json:"count,omitempty"` // semaphore permits
	// Where is where it waits, as "file:line", when known.
	Where string `json:"where,omitempty"`
	// Cancelable reports that the wait may end without the resource (a
	// context).
	Cancelable bool `json:"cancelable,omitempty"`
}

// Resource is a lock, channel, semaphore, wait group, condition, once or
// select that a goroutine of the snapshot holds or waits for.
type Resource struct {
	// ID is unique in the snapshot, e.g. "bank.Account.mu#3".
	ID   string                 `json:"id"`
	Kind waitgraph.ResourceKind `json:"kind"`
	// Class is the lock class or the name the program gave it, when it
	// has one; for a select, the cases it waits on.
	Class string `json:"class,omitempty"`
	// Level is its level in a declared lock hierarchy, 0 if none.
	Level int `json:"level,omitempty"`
	// Site is where it was created or first used, as "file:line".
	Site string `json:"site,omitempty"`
	// Holders and Waiters list the goroutines that hold it and wait for
	// it, up to a bound; MoreHolders and MoreWaiters count the rest.
	Holders     []Holder `json:"holders,omitempty"`
	Waiters     []Waiter `json:"waiters,omitempty"`
	MoreHolders int      `json:"moreHolders,omitempty"`
	MoreWaiters int      `json:"moreWaiters,omitempty"`
	// InCycle reports that it is part of one of the snapshot's Cycles.
	InCycle bool `json:"inCycle,omitempty"`
}

// Holder is a goroutine holding a resource.
type Holder struct {
	Goroutine int64          `json:"goroutine"`
	Mode      waitgraph.Mode `json:"mode"`
	Count     int64          `json:"count,omitempty"`
	Where     string         `json:"where,omitempty"`
}

// Waiter is a goroutine waiting for a resource.
type Waiter struct {
	Goroutine   int64          `json:"goroutine"`
	Mode        waitgraph.Mode `json:"mode"`
	WaitSeconds float64        `json:"waitSeconds,omitempty"`
	Where       string         `json:"where,omitempty"`
}

// Cycle is a set of goroutines blocked for good in a circular wait.
type Cycle struct {
	// Kind is the kind of finding the cycle is (report.Kind): "deadlock"
	// for a circular wait.
	Kind string `json:"kind"`
	// Goroutines are the members; for a deadlock, in the order of the
	// circular wait: each waits for what the next holds or must do.
	Goroutines []int64 `json:"goroutines"`
	// Resources are the resources the members wait for, in the same
	// order.
	Resources []string `json:"resources,omitempty"`
}
