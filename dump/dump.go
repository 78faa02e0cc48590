// Package dump reads goroutine dumps into gridlock's model and tells what
// they show: a deadlock, goroutines blocked for good, lock contention, a busy
// loop, or nothing wrong.
//
// Parse reads every dump format Go writes: panic and SIGQUIT tracebacks at
// any GOTRACEBACK level, net/http/pprof's goroutine?debug=2 (the same text)
// and goroutine?debug=1 (stacks counted, without ids or states), go test's
// timeout panics, the goroutineleak profile of GOEXPERIMENT=goroutineleakprofile
// and its "(leaked)" status, labels in headers (GODEBUG=tracebacklabels=1),
// ancestors (GODEBUG=tracebackancestors=N), and dumps embedded in log files
// with a prefix before each line. It also reads the JSON snapshot that
// gridlock.Snapshot and gridlock.DumpOnSignal write, which gives the exact
// holders of gridlock's locks.
//
// Parsing streams: the text is never held in memory, identical stacks are
// stored once, and each goroutine costs a small record, so that a dump of a
// million goroutines is read in about the time it takes to scan it.
//
// Analyze turns a Dump into an Analysis: goroutines grouped into buckets of
// identical stacks, the resources recovered from the stacks (a mutex's
// address from lockSlow, a WaitGroup's, a Cond's, and in SIGQUIT dumps a
// channel's and an RWMutex's), the wait-for graph in the waitgraph model,
// and findings with an honest certainty: a goroutine dump does not say who
// holds a sync.Mutex, nor what a select waits for.
package dump

import (
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Format names the format of a dump.
type Format string

// The formats Parse reads.
const (
	Traceback  Format = "traceback"   // panic, SIGQUIT, runtime.Stack, goroutine?debug=2
	Profile    Format = "profile"     // goroutine?debug=1: counted stacks without ids
	LeakReport Format = "leakprofile" // goroutineleak?debug=1: the leaked goroutines, counted
	Snapshot   Format = "snapshot"    // gridlock's JSON snapshot alone
)

// Dump is a parsed goroutine dump.
type Dump struct {
	// Format is the format of the goroutine records; a dump that mixes
	// formats reports the first.
	Format Format
	// Reason is the line that explains the dump, such as
	// "panic: test timed out after 2s", "fatal error: all goroutines are
	// asleep - deadlock!" or "SIGQUIT: quit"; empty if none was seen.
	Reason string
	// Tests lists the tests that were running when a test timed out.
	Tests []string
	// Goroutines lists the goroutines in the order of the dump. A record of
	// a debug=1 profile stands for Count goroutines with no ids.
	Goroutines []Goroutine
	// Stacks lists the distinct stacks, each shared by the goroutines that
	// have it; Goroutine.Stack indexes it.
	Stacks []*Stack
	// Snapshot is gridlock's own wait-for graph, when the input had one.
	Snapshot *waitgraph.Graph
	// Dumps is the number of dumps the input held before the last one,
	// which is the one parsed (a log with two SIGQUIT dumps has 1).
	Dumps int
	// Previous maps each goroutine that was running in the dump before the
	// last one to where it was running (function file:line).
	Previous map[int64]string
	// Lines is the number of lines read.
	Lines int
	// Warning says what could not be read, if anything: the first problem,
	// with the number of lines affected. A dump with a warning is still
	// used as far as it was read.
	Warning string

	warnings int
	args     [][]Arg // the arguments of all goroutines, in chunks; see Args
}

// Goroutine is one goroutine of a dump, or one record of a counted profile.
type Goroutine struct {
	// ID is the goroutine id; 0 in a counted profile.
	ID int64
	// Count is the number of goroutines the record stands for: 1 in a
	// traceback, N in a debug=1 profile.
	Count int
	// Status is the runtime's status or wait reason, as printed: "running",
	// "chan receive", "sync.Mutex.Lock", "IO wait"... In a debug=1 profile,
	// which prints none, it is inferred from the stack and may be empty.
	Status string
	// Waited is how long the goroutine has been blocked, in whole minutes as
	// the runtime prints it: 0 means less than a minute or unknown.
	Waited time.Duration
	// Leaked reports the runtime's "(leaked)" mark: the garbage collector
	// found the goroutine blocked on something no live goroutine can reach.
	Leaked bool
	// LockedToThread reports ", locked to thread".
	LockedToThread bool
	// Labels are the goroutine's pprof labels, as printed.
	Labels string
	// Stack indexes Dump.Stacks.
	Stack int
	// Creator is the id of the goroutine that started this one, 0 if unknown.
	Creator int64
	// Ancestors lists the ids of the goroutines this one originates from,
	// when the dump was taken with GODEBUG=tracebackancestors.
	Ancestors []int64
	// Elided is the number of frames the runtime left out; -1 when it said
	// only "...additional frames elided...".
	Elided int

	// Addr is the address of the resource the goroutine waits on, 0 if the
	// stack does not show it.
	Addr uint64
	// Refs lists pointer-looking arguments of the goroutine's own frames
	// (not the runtime's), which tell which goroutines may reach a resource.
	Refs []uint64
	// argOff and argLen locate the arguments of the program's own frames
	// in Dump.args (see Dump.Args), kept apart to keep each goroutine
	// small: the chunk in the high bits of argOff, the position in the low.
	argOff, argLen uint32
}

// Args returns, for the program's own frames of g, the arguments the
// traceback printed that look like pointers (a receiver, a *T parameter):
// with the program's source they give the addresses of the locks a frame
// holds.
func (d *Dump) Args(g *Goroutine) []Arg {
	if g.argLen == 0 {
		return nil
	}
	chunk, pos := d.args[g.argOff>>argChunkBits], g.argOff&(1<<argChunkBits-1)
	return chunk[pos : pos+g.argLen : pos+g.argLen]
}

// argChunkBits sets the size of the chunks of Dump.args: appending to a
// chunk copies at most a chunk, never all the arguments read so far.
const argChunkBits = 16

// Arg is a pointer-looking argument of a frame of a traceback.
type Arg struct {
	// Frame is the index of the frame in the goroutine's stack.
	Frame uint16
	// Index is the argument's position among the values printed at the
	// top level, which is its parameter's position (the receiver first):
	// the runtime prints a string, slice, interface or struct argument as
	// one value in braces.
	Index uint16
	// Value is the argument, as printed.
	Value uint64
}

// Stack is a distinct call stack, innermost frame first, with the go
// statement that started the goroutines that have it.
type Stack struct {
	Frames    waitgraph.Stack
	CreatedBy *waitgraph.Frame
	// Parked reports that a debug=1 profile showed unnamed runtime frames on
	// top: the goroutines were parked by the runtime.
	Parked bool
}

// Stack returns the stack of g.
func (d *Dump) Stack(g *Goroutine) *Stack {
	if g.Stack < 0 || g.Stack >= len(d.Stacks) {
		return &Stack{}
	}
	return d.Stacks[g.Stack]
}

// Total returns the number of goroutines in d, counting each record of a
// counted profile as many times as it stands for.
func (d *Dump) Total() int {
	n := 0
	for i := range d.Goroutines {
		n += d.Goroutines[i].Count
	}
	return n
}

func (d *Dump) warn(format string) {
	d.warnings++
	if d.warnings == 1 {
		d.Warning = format
	}
}
