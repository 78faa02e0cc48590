// Package supervise watches the processes that gridlock test and gridlock
// run instrument, through their agents (see package agent): it relays the
// runtime detector's findings as they come, notices a hang (no progress
// for a while, or a go test timeout coming), then asks the process for a
// snapshot, decides with package stuck, reports, and stops the process
// rather than let it wait out its timeout; and when a test binary is
// done, it reports the goroutines its tests left blocked for good.
package supervise

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gridlock-go/gridlock/agent"
	"github.com/gridlock-go/gridlock/internal/stuck"
	"github.com/gridlock-go/gridlock/report"
)

// A Supervisor watches the agents that write to Dir.
type Supervisor struct {
	// Dir is the agents' directory (agent.DirEnv).
	Dir string
	// Wait is the hang threshold: how long a process may make no progress
	// before it is examined.
	Wait time.Duration
	// Timeout, if positive, is the go test timeout: a process is examined
	// a little before it, whatever its progress.
	Timeout time.Duration
	// Program says the processes are programs, not tests: they are
	// examined every Wait, and stopped only if no goroutine can run.
	Program bool
	// GOROOT tells the standard library's frames from the user's.
	GOROOT string
	// Keep, if set, is called instead of stopping a process found stuck,
	// which is left running (gridlock run -http: a frozen program is
	// there to be looked at); the process is not examined again.
	Keep func(key, msg string)
	// Off lists kinds of findings not to report.
	Off []report.Kind
	// Report is called with each finding and the key (package or
	// program) of the process it comes from. It is never called
	// concurrently.
	Report func(key string, f *report.Finding)
	// Logf, if set, receives notes on what the supervisor does.
	Logf func(format string, args ...any)

	mu    sync.Mutex
	procs map[int]*proc
	keys  map[string]*proc // latest process of each key
	n     int              // requests made
	// progress made before the agent said hello, by key
	early map[string]time.Time
}

// proc is a watched process.
type proc struct {
	hello     agent.Hello
	progress  time.Time // last progress
	offset    int64     // of the findings file read so far
	partial   []byte    // an incomplete last line of it
	reported  map[int64]bool
	leaked    map[int64]bool // goroutines already in a partial-deadlock finding
	seen      map[string]bool
	deadlock  bool // the detector reported a deadlock
	stopped   bool
	kept      bool // found stuck and left running (Keep)
	done      bool
	nextCheck time.Time
	// prev is the dump of the last snapshot examined, taken at prevAt.
	prev   []byte
	prevAt time.Time
}

func (s *Supervisor) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func (s *Supervisor) init() {
	if s.procs == nil {
		s.procs = make(map[int]*proc)
		s.keys = make(map[string]*proc)
		s.early = make(map[string]time.Time)
	}
}

// Progress records that the process of key made progress at t (a test
// started, passed or printed).
func (s *Supervisor) Progress(key string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if p := s.keys[key]; p != nil && !p.done {
		p.progress = t
		return
	}
	s.early[key] = t
}

// Poll discovers new agents, relays new findings and examines the
// processes that seem hung. Call it a few times a second.
func (s *Supervisor) Poll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.discover()
	now := time.Now()
	for _, p := range s.sortedProcs() {
		if p.done || p.stopped {
			continue
		}
		s.relay(p)
		if s.Program {
			if !p.kept && now.After(p.nextCheck) {
				p.nextCheck = now.Add(s.Wait)
				s.examine(p, s.Wait)
			}
			continue
		}
		idle := now.Sub(p.progress)
		threshold := s.Wait
		if p.deadlock {
			// A circular wait is exact: a second of silence after it is
			// enough to know the test will not move on.
			threshold = min(threshold, time.Second)
		}
		timeoutNear := false
		if s.Timeout > 0 {
			margin := min(2*time.Second, s.Timeout/10)
			timeoutNear = now.Sub(p.hello.Time) >= s.Timeout-margin
		}
		if (idle >= threshold || timeoutNear) && now.After(p.nextCheck) {
			next := s.Wait
			if p.deadlock {
				// Soon again: a second snapshot may show that nothing
				// moved, which one alone cannot.
				next = min(next, 2*time.Second)
			}
			p.nextCheck = now.Add(next)
			s.examine(p, idle)
		}
	}
}

// Done processes the end of the process of key: the rest of its
// findings, and its final snapshot.
func (s *Supervisor) Done(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.discover()
	p := s.keys[key]
	if p == nil || p.done {
		return
	}
	p.done = true
	s.relay(p)
	if p.stopped {
		return
	}
	var snap agent.Snapshot
	if err := readJSON(s.file(p, "final"), &snap); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.logf("%s: reading the final snapshot: %v", key, err)
		}
		return
	}
	s.decide(p, snap, false, 0, nil)
}

// Finish relays what is left of every process's findings.
func (s *Supervisor) Finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.discover()
	for _, p := range s.sortedProcs() {
		s.relay(p)
	}
}

func (s *Supervisor) sortedProcs() []*proc {
	ps := make([]*proc, 0, len(s.procs))
	for _, p := range s.procs {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *proc) int { return a.hello.PID - b.hello.PID })
	return ps
}

func (s *Supervisor) file(p *proc, suffix string) string {
	return filepath.Join(s.Dir, strconv.Itoa(p.hello.PID)+"."+suffix)
}

// discover reads the hellos of agents not seen yet.
func (s *Supervisor) discover() {
	names, _ := filepath.Glob(filepath.Join(s.Dir, "*.agent"))
	for _, name := range names {
		pid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(name), ".agent"))
		if err != nil || s.procs[pid] != nil {
			continue
		}
		var h agent.Hello
		if err := readJSON(name, &h); err != nil {
			continue
		}
		p := &proc{hello: h, progress: h.Time, reported: make(map[int64]bool), leaked: make(map[int64]bool), seen: make(map[string]bool)}
		if t, ok := s.early[h.Key]; ok && t.After(p.progress) {
			p.progress = t
		}
		if s.Program {
			p.nextCheck = h.Time.Add(s.Wait)
		}
		s.procs[pid] = p
		s.keys[h.Key] = p
		s.logf("%s: agent started in process %d", h.Key, pid)
	}
}

// relay reports the findings the process's detector wrote since last time.
func (s *Supervisor) relay(p *proc) {
	f, err := os.Open(s.file(p, "jsonl"))
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(p.offset, io.SeekStart); err != nil {
		return
	}
	b, _ := io.ReadAll(f)
	p.offset += int64(len(b))
	b = append(p.partial, b...)
	last := bytes.LastIndexByte(b, '\n')
	if last < 0 {
		p.partial = b
		return
	}
	p.partial = slices.Clone(b[last+1:])
	sc := bufio.NewScanner(bytes.NewReader(b[:last+1]))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var fd report.Finding
		if err := json.Unmarshal(sc.Bytes(), &fd); err != nil {
			continue
		}
		if fd.Kind == report.Deadlock || fd.Kind == report.RecursiveLock {
			// A goroutine waiting for itself is a deadlock reported as
			// recursive-lock: the hang it causes is explained.
			p.deadlock = true
			for _, g := range fd.Goroutines {
				p.reported[g.ID] = true
			}
		}
		if fd.Kind == report.PartialDeadlock {
			for _, g := range fd.Goroutines {
				p.leaked[g.ID] = true
			}
		}
		s.emit(p, &fd)
	}
}

func (s *Supervisor) emit(p *proc, f *report.Finding) {
	if slices.Contains(s.Off, f.Kind) {
		return
	}
	ids := make([]string, 0, len(f.Goroutines))
	for _, g := range f.Goroutines {
		ids = append(ids, strconv.FormatInt(g.ID, 10))
	}
	key := string(f.Kind) + " " + strings.Join(ids, ",") + " " + strings.Join(f.Positions, ",")
	if f.Source == "dump" {
		key = string(f.Kind) + " " + strings.Join(ids, ",")
	}
	// A repeat record counts one more occurrence of a bug (see
	// report.Set): each is passed on.
	if p.seen[key] && !f.Repeat {
		return
	}
	p.seen[key] = true
	if s.Report != nil {
		s.Report(p.hello.Key, f)
	}
}

// examine asks a process that seems hung for a snapshot, decides, reports
// and stops it if it is stuck.
func (s *Supervisor) examine(p *proc, idle time.Duration) {
	s.n++
	id := strconv.Itoa(s.n)
	s.logf("%s: no progress for %v: examining process %d", p.hello.Key, idle.Round(time.Millisecond), p.hello.PID)
	snapFile := s.file(p, "snap-"+id)
	if err := os.WriteFile(s.file(p, "req"), []byte("snap "+id), 0o644); err != nil {
		s.logf("%s: %v", p.hello.Key, err)
		return
	}
	var snap agent.Snapshot
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := readJSON(snapFile, &snap)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || !alive(p.hello.PID) {
			s.logf("%s: no snapshot from process %d: %v", p.hello.Key, p.hello.PID, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.relay(p)
	var prev []byte
	if snap.Time.Sub(p.prevAt) >= time.Second {
		prev = p.prev
	}
	res := s.decide(p, snap, true, idle, prev)
	if snap.Time.Sub(p.prevAt) >= time.Second {
		p.prev, p.prevAt = []byte(snap.Stacks), snap.Time
	}
	// Stopped only when proven stuck: the runtime proved the test's (or
	// the program's) main goroutine blocked for good, or nothing can run
	// and an earlier snapshot shows nothing moved since.
	if !res.Frozen && !res.MainStuck {
		return // some goroutines may be stuck, but the process goes on
	}
	if s.Keep != nil {
		p.kept = true
		s.Keep(p.hello.Key, fmt.Sprintf("%s made no progress for %v and its goroutines are blocked for good (see the findings)", p.hello.Key, idle.Round(time.Second)))
		return
	}
	s.stop(p, fmt.Sprintf("stopped %s: it made no progress for %v and its goroutines are blocked for good (see the findings)", p.hello.Key, idle.Round(time.Second)))
}

func (s *Supervisor) decide(p *proc, snap agent.Snapshot, hung bool, idle time.Duration, prev []byte) stuck.Result {
	res := stuck.Decide(stuck.Input{
		Graph:    snap.Graph,
		Stacks:   []byte(snap.Stacks),
		Leaks:    snap.Leaks,
		Baseline: snap.Baseline,
		Hung:     hung,
		Hang:     idle.Round(time.Second),
		Prev:     prev,
		Reported: p.reported,
		Leaked:   p.leaked,
		GOROOT:   s.GOROOT,
	})
	for _, f := range res.Findings {
		if f.Kind == report.Deadlock {
			for _, g := range f.Goroutines {
				p.reported[g.ID] = true
			}
		}
		if f.Kind == report.PartialDeadlock {
			for _, g := range f.Goroutines {
				p.leaked[g.ID] = true
			}
		}
		s.emit(p, f)
	}
	return res
}

// stop asks the process to exit, and kills it if it does not.
func (s *Supervisor) stop(p *proc, msg string) {
	p.stopped = true
	os.WriteFile(s.file(p, "req"), []byte("stop "+msg), 0o644)
	deadline := time.Now().Add(3 * time.Second)
	for alive(p.hello.PID) {
		if time.Now().After(deadline) {
			s.logf("%s: killing process %d", p.hello.Key, p.hello.PID)
			kill(p.hello.PID)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether the process exists (and is not a zombie we could
// tell apart: a process that exited but was not reaped counts as alive
// until its parent, go test, reaps it).
func alive(pid int) bool {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return proc.Signal(syscall.Signal(0)) == nil
}

func kill(pid int) {
	if proc, err := os.FindProcess(pid); err == nil {
		proc.Kill()
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
