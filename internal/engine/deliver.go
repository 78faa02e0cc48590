package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// FindingError is the panic value of strict mode.
type FindingError struct {
	Finding *report.Finding
}

func (fe *FindingError) Error() string {
	return fmt.Sprintf("gridlock: %s: %s", fe.Finding.Kind, fe.Finding.Summary)
}

// deliver hands findings to the configured outputs. It is called with no
// engine lock held, because the program's handler may take locks. Handlers
// may run concurrently; each output is written with a single Write.
//
// A finding is delivered once per identity (report.Identity: its kind,
// classes and sites) until Reset: the same bug hit again, in the next
// iteration of a loop, on another instance or in another test, is counted.
// A repeat is written to the report file as a short record (report.Finding's
// Repeat), so that gridlock test counts it, and to the text output only as
// a one-line note when its count reaches 10, 100, 1000...; the program's
// handler is not called again. Strict mode panics on every occurrence.
func deliver(fs []*report.Finding) {
	if len(fs) == 0 {
		return
	}
	giveStacks(fs)
	o := e.opts.Load()
	var strict *report.Finding
	for _, f := range fs {
		if o == nil || slices.Contains(o.Off, f.Kind) {
			continue
		}
		e.stats.Findings.Add(1)
		if f.Time.IsZero() {
			f.Time = time.Now()
		}
		if o.Level == LevelStrict && strict == nil {
			strict = f
		}
		if f.Key == "" {
			f.Key = report.Identity(f)
		}
		report.Trim(f)
		// The first finding built for a quick key may be delivered after
		// a repeat made from it: it is delivered in full all the same.
		n := delivered.note(f.Key)
		pending := !f.Repeat && delivered.takePending(f.Key)
		logFinding(f, n)
		if f.Repeat || (n > 1 && !pending) {
			f.Count = n
			if o.ReportPath != "" {
				appendJSONLine(o.ReportPath, repeatRecord(f))
			}
			if o.Output != nil && milestone(n) {
				fmt.Fprintf(o.Output, "gridlock: %s: %s\n", where(f), report.Seen(f))
			}
			continue
		}
		if o.Output != nil {
			o.Output.Write([]byte(report.Text(f)))
		}
		if o.ReportPath != "" {
			appendJSONLine(o.ReportPath, f)
		}
		if o.Logger != nil {
			logRecord(o.Logger, f)
		}
		if o.OnFinding != nil {
			o.OnFinding(f)
		}
	}
	if strict != nil {
		panic(&FindingError{strict})
	}
}

// delivered counts the findings delivered, by identity.
var delivered counts

// counts counts occurrences by key, for at most maxCounted keys: past
// that, a new key counts as seen once, every time.
type counts struct {
	mu      sync.Mutex
	n       map[string]int
	quick   map[string]string // quick key → identity; see quickKey
	pending map[string]bool   // identities built for a quick key, not delivered yet
}

// takePending reports whether the finding of identity key was built for a
// quick key and not delivered yet, and marks it delivered.
func (c *counts) takePending(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending[key] {
		return false
	}
	delete(c.pending, key)
	return true
}

const maxCounted = 1 << 14

// note counts one more occurrence of key and returns its count.
func (c *counts) note(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	n, ok := c.n[key]
	if !ok && len(c.n) >= maxCounted {
		return 1
	}
	c.n[key] = n + 1
	return n + 1
}

func (c *counts) reset() {
	c.mu.Lock()
	c.n, c.quick, c.pending = nil, nil, nil
	c.mu.Unlock()
}

// Count returns how many times findings of f's identity were delivered
// since the last Reset, or 0.
func Count(f *report.Finding) int {
	delivered.mu.Lock()
	defer delivered.mu.Unlock()
	return delivered.n[f.Identity()]
}

// milestone reports whether a repeat count is worth a note: 10, 100, ...
func milestone(n int) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// where says where f shows: its kind and first position.
func where(f *report.Finding) string {
	if len(f.Positions) > 0 && f.Positions[0] != "?" {
		return fmt.Sprintf("%s at %s", f.Kind, f.Positions[0])
	}
	return string(f.Kind)
}

// repeatRecord is what the report file gets for a repeat of a finding:
// its key, kind, count and positions, and the ids of its goroutines (so
// that a supervisor knows them reported).
func repeatRecord(f *report.Finding) *report.Finding {
	r := &report.Finding{Kind: f.Kind, Key: f.Key, Count: f.Count, Repeat: true, Positions: f.Positions, Source: f.Source, Time: f.Time}
	for _, g := range f.Goroutines {
		r.Goroutines = append(r.Goroutines, &waitgraph.Goroutine{ID: g.ID})
	}
	return r
}

// appendJSONLine appends f to the report file as one line of JSON. The file
// is opened for appending once and never truncated.
func appendJSONLine(path string, f *report.Finding) {
	e.reportMu.Lock()
	if e.reportFile == nil || e.reportFile.Name() != path {
		if e.reportFile != nil {
			e.reportFile.Close()
		}
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			e.reportMu.Unlock()
			fmt.Fprintf(os.Stderr, "gridlock: GRIDLOCK_REPORT: %v\n", err)
			return
		}
		e.reportFile = file
	}
	file := e.reportFile
	e.reportMu.Unlock()
	b, err := json.Marshal(f)
	if err != nil {
		return
	}
	file.Write(append(b, '\n'))
}

// Building a finding about waits captures every goroutine's stack, under
// the engine's lock: for the same bug hit by thousands of waits (a long
// wait in every request), that is work that grows with the square of the
// goroutines. So a finding about waits is first given a quick key, the
// sites of its waits and the classes of what they wait for and hold; once
// a finding with that quick key is built and delivered, the next ones are
// mere repeats of its identity, made without a stack.

// quickKey returns the quick key of a finding of kind about the waits
// recs. Called with e.wmu held.
func quickKey(kind report.Kind, recs []*waitRec) string {
	var parts []string
	for _, r := range recs {
		p := fmt.Sprintf("w%x", r.pc)
		for _, o := range r.on {
			p += fmt.Sprintf(" %s:%s", o.mode, classKey(o.res))
		}
		for _, h := range r.holds {
			p += fmt.Sprintf(" h%x:%s", h.pc, classKey(h.lock))
		}
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	return string(kind) + "|" + strings.Join(parts, "|")
}

// classKey names the class of a waitable for quickKey: a lock's class
// name or its site, a primitive's kind and site.
func classKey(w waitable) string {
	switch x := w.(type) {
	case *Lock:
		if x.class != nil && x.class.name != "" {
			return x.class.name
		}
		return fmt.Sprintf("lock@%x", x.site)
	case *Prim:
		return fmt.Sprintf("%s@%x", x.kind, x.site)
	}
	return "?"
}

// quickRepeat returns a repeat record for a finding of kind about the
// goroutines ids whose quick key qk is known, or nil.
func quickRepeat(qk string, kind report.Kind, ids []int64, positions []string) *report.Finding {
	delivered.mu.Lock()
	key, ok := delivered.quick[qk]
	delivered.mu.Unlock()
	if !ok {
		return nil
	}
	f := &report.Finding{Kind: kind, Key: key, Repeat: true, Positions: positions, Source: "runtime"}
	for _, id := range ids {
		f.Goroutines = append(f.Goroutines, &waitgraph.Goroutine{ID: id})
	}
	return f
}

// learnQuick records that the finding f, just built, has quick key qk,
// and sets its identity.
func learnQuick(qk string, f *report.Finding) {
	f.Key = report.Identity(f)
	delivered.mu.Lock()
	defer delivered.mu.Unlock()
	if delivered.quick == nil {
		delivered.quick = make(map[string]string)
	}
	if _, ok := delivered.quick[qk]; ok || len(delivered.quick) >= maxCounted {
		return
	}
	delivered.quick[qk] = f.Key
	if delivered.n[f.Key] == 0 {
		if delivered.pending == nil {
			delivered.pending = make(map[string]bool)
		}
		delivered.pending[f.Key] = true
	}
}
