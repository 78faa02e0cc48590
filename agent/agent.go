// Package agent is the part of gridlock test and gridlock run that runs
// inside the program they instrument. The files those commands add to the
// build call Start when the package is initialized, and Finish when the
// tests are over; a program never calls it itself.
//
// The agent is invisible to the program's own code: it keeps no goroutine
// of its own (goleak, runtime.NumGoroutine before and after a test see
// none), and puts no frame on the stack of the tests. It polls for the
// command's requests from a timer, which is not a goroutine: the timer's
// function runs, briefly, only when the timer fires.
//
// The agent and the gridlock command talk through files in a directory
// named by the environment variable GRIDLOCK_AGENT_DIR (without it, every
// function here does nothing):
//
//   - <pid>.agent: written by Start, a Hello in JSON;
//   - <pid>.jsonl: the runtime detector's findings, one JSON object a line;
//   - <pid>.req: written by the command, a request: "snap N" asks for a
//     snapshot, written to <pid>.snap-N; "stop MESSAGE" asks the process
//     to print the message and exit;
//   - <pid>.final: the snapshot written by Finish, when the tests are over.
//
// A snapshot is the detector's wait-for graph and a dump of every
// goroutine's stack, taken right after a garbage collection that marks the
// goroutines the runtime can prove are blocked for good (their stacks then
// say "(leaked)"), when the toolchain has the goroutine leak profile
// (GOEXPERIMENT=goroutineleakprofile). The command decides from it.
package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// DirEnv is the environment variable that names the agent's directory.
const DirEnv = "GRIDLOCK_AGENT_DIR"

// HTTPEnv is the environment variable that holds the address on which
// package agent/serve serves the live view (gridlock run -http). The
// server writes the address it listens on to <pid>.http in the agent's
// directory.
const HTTPEnv = "GRIDLOCK_HTTP"

// Hello is what Start writes: which process runs which package.
type Hello struct {
	PID  int    `json:"pid"`
	Key  string `json:"key"` // the import path of the tested package or the program
	Time time.Time
	// Baseline is the largest goroutine id when Start was called:
	// goroutines with larger ids were started by the tests.
	Baseline int64 `json:"baseline"`
}

// Snapshot is the state of the process at one moment.
type Snapshot struct {
	Time time.Time `json:"time"`
	// Graph is the runtime detector's wait-for graph (gridlock.Snapshot).
	Graph *waitgraph.Graph `json:"graph"`
	// Stacks is the text of runtime.Stack for all goroutines.
	Stacks string `json:"stacks"`
	// Leaks reports that the runtime's goroutine leak detector ran just
	// before the dump: goroutines it proved blocked for good are marked
	// "(leaked)" in Stacks.
	Leaks bool `json:"leaks"`
	// Baseline is Hello.Baseline.
	Baseline int64 `json:"baseline"`
	// Final reports a snapshot taken when the tests were over.
	Final bool `json:"final"`
}

var (
	mu       sync.Mutex
	dir      string
	pid      int
	baseline int64
	finished bool
)

// Start starts the agent for the package or program key, if the gridlock
// command runs this process: it sends the runtime detector's findings to
// the command instead of standard error, and answers its requests.
func Start(key string) {
	mu.Lock()
	d := os.Getenv(DirEnv)
	if d == "" || dir != "" {
		mu.Unlock()
		return
	}
	dir, pid = d, os.Getpid()
	gridlock.Configure(gridlock.Config{Output: io.Discard, ReportFile: path("jsonl")})
	baseline = maxID(allStacks())
	hello := Hello{PID: pid, Key: key, Time: time.Now(), Baseline: baseline}
	mu.Unlock()
	if err := writeJSON(path("agent"), hello); err != nil {
		fmt.Fprintf(os.Stderr, "gridlock: agent: %v\n", err)
		return
	}
	mu.Lock()
	poller = time.AfterFunc(nextPoll(), poll)
	mu.Unlock()
}

// Finish tells the command that the tests are over: it writes the final
// snapshot, from which the command reports the goroutines left blocked for
// good. Calling it more than once does nothing.
func Finish() {
	mu.Lock()
	if dir == "" || finished {
		mu.Unlock()
		return
	}
	finished = true
	mu.Unlock()
	settle()
	mu.Lock()
	s := snapshot()
	mu.Unlock()
	s.Final = true
	if err := writeJSON(path("final"), s); err != nil {
		fmt.Fprintf(os.Stderr, "gridlock: agent: %v\n", err)
	}
}

// Finished calls Finish and returns code. The rewritten TestMain of a
// package calls os.Exit(Finished(code)) where the user's called
// os.Exit(code).
func Finished(code int) int {
	Finish()
	return code
}

func path(suffix string) string {
	return filepath.Join(dir, strconv.Itoa(pid)+"."+suffix)
}

// pollEvery is about how often the agent looks for a request: rarely
// enough, and at random enough moments, that a test that looks at all
// goroutines (after a time.Sleep of a round duration, whose end a regular
// poll's timer could keep meeting) almost never sees the poll's.
const pollEvery = time.Second

// nextPoll returns a random delay around pollEvery.
func nextPoll() time.Duration {
	return pollEvery*3/4 + rand.N(pollEvery/2)
}

// poller is the timer that calls poll.
var poller *time.Timer

// poll answers the command's request, if there is one, and re-arms the
// timer. It runs in the timer's goroutine, which exists only while it
// runs.
func poll() {
	defer func() {
		mu.Lock()
		poller.Reset(nextPoll())
		mu.Unlock()
	}()
	req := path("req")
	b, err := os.ReadFile(req)
	if err != nil {
		return
	}
	os.Remove(req)
	verb, arg, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	switch verb {
	case "snap":
		mu.Lock()
		s := snapshot()
		mu.Unlock()
		if err := writeJSON(path("snap-"+arg), s); err != nil {
			fmt.Fprintf(os.Stderr, "gridlock: agent: %v\n", err)
		}
	case "stop":
		fmt.Fprintf(os.Stderr, "gridlock: %s\n", arg)
		os.Exit(1)
	}
}

func snapshot() Snapshot {
	s := Snapshot{Time: time.Now(), Baseline: baseline}
	if p := pprof.Lookup("goroutineleak"); p != nil {
		// Writing the profile runs the collection that marks leaked
		// goroutines; the dump below shows the marks.
		if p.WriteTo(io.Discard, 0) == nil {
			s.Leaks = true
		}
	}
	s.Stacks = string(allStacks())
	s.Graph = gridlock.Snapshot()
	return s
}

// settle waits, briefly, for the goroutines the tests started to park or
// end: a goroutine started by the last test may not have reached the wait
// that leaks it yet. A goroutine parked in a watched wait wakes once more,
// a millisecond in, to register it and park on what it waits for alone
// (only then can the runtime prove it blocked for good): settle waits for
// that too, by finding the program quiet twice, a few milliseconds apart.
func settle() {
	quiet := 0
	for try := 1; try <= 10; try++ {
		busy := 0
		for _, line := range strings.Split(string(allStacks()), "\n") {
			if strings.HasPrefix(line, "goroutine ") && (strings.HasSuffix(line, "[runnable]:") || strings.HasSuffix(line, "[running]:")) {
				busy++
			}
		}
		if busy > 1 { // more than this goroutine
			quiet = 0
		} else if quiet++; quiet == 2 {
			return
		}
		time.Sleep(time.Duration(try) * 5 * time.Millisecond)
	}
}

func allStacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// maxID returns the largest goroutine id in a dump.
func maxID(stacks []byte) int64 {
	var m int64
	for _, line := range strings.Split(string(stacks), "\n") {
		rest, ok := strings.CutPrefix(line, "goroutine ")
		if !ok {
			continue
		}
		id, _, _ := strings.Cut(rest, " ")
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > m {
			m = n
		}
	}
	return m
}

// writeJSON writes v to path atomically: readers see all of it or nothing.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
