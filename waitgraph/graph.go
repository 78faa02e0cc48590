// Package waitgraph is gridlock's model of a program's concurrency state and
// the detectors that decide deadlock on it.
//
// Every source (the runtime engine, a goroutine dump, a JSON snapshot) builds
// a Graph; every detector reads one. A Graph has goroutines, the resources
// they hold and wait for, and order edges between resources ("B was taken
// while A was held").
//
// Deadlock is decided in the AND/OR model: a mutex waiter needs the holder of
// the mutex (AND: every conflicting holder); a channel receiver needs any
// goroutine that may still send (OR); a WaitGroup waiter needs every goroutine
// that still owes a Done. A set of blocked goroutines is stuck when nothing
// outside the set can release any of them; see Graph.Stuck.
package waitgraph

import (
	"fmt"
	"strings"
	"time"
)

// ResourceKind names a kind of synchronization resource.
type ResourceKind string

// The kinds of resources gridlock knows.
const (
	Mutex     ResourceKind = "mutex"
	RWMutex   ResourceKind = "rwmutex"
	Chan      ResourceKind = "chan"
	Semaphore ResourceKind = "semaphore"
	WaitGroup ResourceKind = "waitgroup"
	Cond      ResourceKind = "cond"
	Once      ResourceKind = "once"
	Select    ResourceKind = "select"
	Unknown   ResourceKind = "unknown"
)

// Mode says how a goroutine holds or waits for a resource.
type Mode string

// The modes of holding and waiting.
const (
	Lock    Mode = "lock"    // exclusive lock
	RLock   Mode = "rlock"   // shared lock
	Send    Mode = "send"    // channel send
	Recv    Mode = "recv"    // channel receive
	Acquire Mode = "acquire" // semaphore permits
	Wait    Mode = "wait"    // WaitGroup.Wait, Cond.Wait, Once.Do
)

// Frame is one frame of a stack.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// String formats f as "pkg.Func (file:line)".
func (f Frame) String() string {
	if f.File == "" {
		return f.Func
	}
	return fmt.Sprintf("%s (%s:%d)", f.Func, f.File, f.Line)
}

// Pos formats f as "file:line".
func (f Frame) Pos() string {
	if f.File == "" {
		return "?"
	}
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

// Stack is a call stack, innermost frame first.
type Stack []Frame

// Top returns the innermost frame of s, or the zero Frame.
func (s Stack) Top() Frame {
	if len(s) == 0 {
		return Frame{}
	}
	return s[0]
}

// String formats s one frame per line, each indented by a tab.
func (s Stack) String() string {
	var b strings.Builder
	for _, f := range s {
		fmt.Fprintf(&b, "\t%s\n", f)
	}
	return b.String()
}

// Goroutine is a goroutine in the graph.
type Goroutine struct {
	ID    int64  `json:"id"`
	Name  string `json:"name,omitempty"`  // a name given by the program (gridlock.Go, pprof labels)
	State string `json:"state,omitempty"` // runtime status or wait reason, e.g. "running", "sync.Mutex.Lock"
	// Stack is the goroutine's current stack, when known.
	Stack Stack `json:"stack,omitempty"`
	// CreatedBy is the frame of the go statement that started it, when known.
	CreatedBy *Frame `json:"createdBy,omitempty"`
	// Creator is the id of the goroutine that started it, when known.
	Creator int64  `json:"creator,omitempty"`
	Holds   []Hold `json:"holds,omitempty"`
	// Wait is what the goroutine is blocked on, or nil if it is not blocked
	// on a resource of the graph.
	Wait *WaitFor `json:"wait,omitempty"`
	// Runnable reports that the goroutine is running or can run: it is not
	// blocked on anything, so it may still release what it holds.
	Runnable bool `json:"runnable,omitempty"`
	// Count is the number of goroutines this node stands for, when a source
	// merges goroutines that are alike in every respect the graph shows (a
	// goroutine dump's thousands of identical workers); 0 means one. Alike
	// goroutines are released together, so the decision is the same.
	Count int `json:"count,omitempty"`
}

// Label returns "goroutine N" or "goroutine N (name)", followed by
// " and K alike" when the node stands for more than one goroutine.
func (g *Goroutine) Label() string {
	s := fmt.Sprintf("goroutine %d", g.ID)
	if g.Name != "" {
		s = fmt.Sprintf("goroutine %d (%s)", g.ID, g.Name)
	}
	if g.Count > 1 {
		s += fmt.Sprintf(" and %d alike", g.Count-1)
	}
	return s
}

// Hold is a resource held by a goroutine.
type Hold struct {
	Resource string `json:"resource"` // Resource.ID
	Mode     Mode   `json:"mode"`
	Count    int64  `json:"count,omitempty"` // semaphore permits
	// Stack is where the resource was acquired, innermost frame first; often
	// a single frame (the call site).
	Stack Stack `json:"stack,omitempty"`
}

// WaitFor is a goroutine's wait on a resource.
type WaitFor struct {
	Resource string        `json:"resource"` // Resource.ID
	Mode     Mode          `json:"mode"`
	Count    int64         `json:"count,omitempty"` // semaphore permits
	Since    time.Time     `json:"since,omitzero"`
	For      time.Duration `json:"for,omitempty"` // how long it has waited, when Since is unknown
	// Stack is where the goroutine waits, innermost frame first.
	Stack Stack `json:"stack,omitempty"`
	// Cancelable reports that the wait can end without the resource, for
	// instance on a context's deadline. Such a goroutine is never stuck.
	Cancelable bool `json:"cancelable,omitempty"`
}

// Resource is a lock, channel, semaphore, wait group, condition or once.
type Resource struct {
	ID    string       `json:"id"` // unique in the graph
	Kind  ResourceKind `json:"kind"`
	Name  string       `json:"name,omitempty"`  // the lock class or a name given by the program
	Level int          `json:"level,omitempty"` // level in the lock hierarchy, 0 if none
	// Addr is the resource's address when known (from a dump).
	Addr string `json:"addr,omitempty"`
	// Site is where the resource was created or first used, when known.
	Site *Frame `json:"site,omitempty"`
	// Releasers, for resources whose waiters are released by goroutines
	// that do not hold them (channels, wait groups, conditions), lists the
	// goroutines that may still release a waiter; see Releaser.
	Releasers []Releaser `json:"releasers,omitempty"`
	// MoreReleasers counts the releasers a finding leaves out of
	// Releasers, which names a few.
	MoreReleasers int `json:"moreReleasers,omitempty"`
	// Quorum, if positive, is how many distinct releasers must act to
	// release a waiter: a WaitGroup with a counter of 2 needs two Done
	// calls. Zero means one (OR) unless releasers are marked Needed (AND).
	Quorum int `json:"quorum,omitempty"`
	// Exact reports that Holds and Releasers list everything that can
	// release a waiter of this resource. When false the detector assumes an
	// unseen goroutine might, and never calls a waiter of it stuck.
	Exact bool `json:"exact,omitempty"`
	// HoldersUnknown reports, for a lock, that who holds it is not known,
	// as in a goroutine dump, which does not show the holder of a
	// sync.Mutex. Releasers then lists the candidate holders, any one of
	// which may release a waiter (OR), and Holds of the lock are ignored.
	HoldersUnknown bool `json:"holdersUnknown,omitempty"`
	// Partial, with Exact, reports that the releasers were observed in
	// part of the program only (a native channel seen from instrumented
	// code, which other code may also use): a waiter of it is called stuck
	// only as part of a circular wait, never alone.
	Partial bool `json:"partial,omitempty"`
	// Maker is the goroutine that made the channel, when its make was
	// seen. It is not among the Releasers: a live goroutine may have
	// handed the channel to code no detector sees. Among goroutines
	// proven blocked for good it holds the channel's other end, and a
	// post-mortem reads it as a releaser.
	Maker int64 `json:"maker,omitempty"`
	// MakerSent reports that the maker sent on the channel before.
	MakerSent bool `json:"makerSent,omitempty"`
	// Cap is the capacity of a buffered channel, when known.
	Cap int `json:"cap,omitempty"`
}

// Label returns the resource's name and kind, e.g. "ledger (mutex)".
func (r *Resource) Label() string {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	if r.Name != "" && !strings.HasSuffix(r.ID, r.Name) && !strings.HasPrefix(r.ID, r.Name+"#") {
		// An instance named apart from its class, e.g. "Conn.mu of
		// *Conn 0xc000123400" of class "proxy.Conn.mu".
		if r.Level != 0 {
			return fmt.Sprintf("%s (%s, class %s, level %d)", r.ID, r.Kind, r.Name, r.Level)
		}
		return fmt.Sprintf("%s (%s, class %s)", r.ID, r.Kind, r.Name)
	}
	if r.Level != 0 {
		return fmt.Sprintf("%s (%s, level %d)", name, r.Kind, r.Level)
	}
	return fmt.Sprintf("%s (%s)", name, r.Kind)
}

// Releaser is a goroutine that may release a waiter of a resource it does
// not hold: a potential sender on a channel, a goroutine that owes a Done.
type Releaser struct {
	Goroutine int64 `json:"goroutine"`
	// Why says how the releaser was inferred, e.g. "sent on it before",
	// "started after Add(1)".
	Why string `json:"why,omitempty"`
	// Needed reports that the waiter needs this releaser and all others
	// marked Needed (AND), as a WaitGroup waiter needs every Done; when
	// false any one releaser suffices (OR).
	Needed bool `json:"needed,omitempty"`
}

// Order is an order edge: To was taken while From was held.
type Order struct {
	From      string `json:"from"` // Resource.ID
	To        string `json:"to"`   // Resource.ID
	Goroutine int64  `json:"goroutine,omitempty"`
	// FromStack is where From was taken (often the call site only).
	FromStack Stack `json:"fromStack,omitempty"`
	// Stack is where To was taken while From was held.
	Stack Stack `json:"stack,omitempty"`
	// FromLock and ToLock name the lock instances that showed the order,
	// when From and To are lock classes, e.g. "Conn.mu of *Conn
	// 0xc000123400"; empty when they are the instances themselves.
	FromLock string `json:"fromLock,omitempty"`
	ToLock   string `json:"toLock,omitempty"`
}

// Graph is a snapshot of goroutines, resources and the edges between them.
type Graph struct {
	Goroutines []*Goroutine `json:"goroutines,omitempty"`
	Resources  []*Resource  `json:"resources,omitempty"`
	Orders     []Order      `json:"orders,omitempty"`
}

// Goroutine returns the goroutine with the given id, or nil.
func (g *Graph) Goroutine(id int64) *Goroutine {
	for _, gr := range g.Goroutines {
		if gr.ID == id {
			return gr
		}
	}
	return nil
}

// Resource returns the resource with the given id, or nil.
func (g *Graph) Resource(id string) *Resource {
	for _, r := range g.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}
