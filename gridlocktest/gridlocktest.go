// Package gridlocktest helps tests assert what gridlock's detector reports
// while they run: no finding at all (Check), or the findings a test
// expects (Record).
//
// Both reset what the detector has learned when the test starts, so that
// a finding reported once by an earlier test is reported again, and both
// restore the detector's configuration when the test ends. Tests that use
// them must not run in parallel with each other: the detector is one per
// process.
package gridlocktest

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
)

// A Recorder collects the findings reported during a test.
type Recorder struct {
	mu    sync.Mutex
	fs    []*report.Finding
	added chan struct{}
}

// Option configures Record.
type Option func(*gridlock.Config)

// LongWait sets the long-wait threshold for the test.
func LongWait(d time.Duration) Option {
	return func(c *gridlock.Config) { c.LongWait = d }
}

// Record starts recording findings for the rest of the test t. Findings
// are not printed; a test that fails prints them with its failure.
func Record(t testing.TB, opts ...Option) *Recorder {
	t.Helper()
	r := &Recorder{added: make(chan struct{}, 1)}
	prev := engine.CurrentOptions()
	c := gridlock.Config{Mode: gridlock.On, Output: io.Discard, OnFinding: r.add}
	for _, o := range opts {
		o(&c)
	}
	engine.Reset()
	gridlock.Configure(c)
	t.Cleanup(func() {
		engine.Configure(prev)
		if t.Failed() {
			for _, f := range r.Findings() {
				t.Log(report.Text(f))
			}
		}
	})
	return r
}

func (r *Recorder) add(f *report.Finding) {
	r.mu.Lock()
	r.fs = append(r.fs, f)
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

// Findings returns the findings recorded so far.
func (r *Recorder) Findings() []*report.Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*report.Finding(nil), r.fs...)
}

// Of returns the findings of kind k recorded so far.
func (r *Recorder) Of(k report.Kind) []*report.Finding {
	var out []*report.Finding
	for _, f := range r.Findings() {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// Wait waits up to timeout for a finding of kind k and returns the first
// one, or nil if none came.
func (r *Recorder) Wait(k report.Kind, timeout time.Duration) *report.Finding {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if fs := r.Of(k); len(fs) > 0 {
			return fs[0]
		}
		select {
		case <-r.added:
		case <-deadline.C:
			if fs := r.Of(k); len(fs) > 0 {
				return fs[0]
			}
			return nil
		}
	}
}

// Check fails t, when it ends, if the detector reported any finding while
// it ran, listing them. Use it in tests of correct code:
//
//	func TestPool(t *testing.T) {
//		gridlocktest.Check(t)
//		...
//	}
func Check(t testing.TB, opts ...Option) {
	t.Helper()
	r := Record(t, opts...)
	t.Cleanup(func() {
		fs := r.Findings()
		if len(fs) == 0 {
			return
		}
		var b strings.Builder
		for _, f := range fs {
			b.WriteString(report.Text(f))
		}
		t.Errorf("gridlock reported %d finding(s):\n%s", len(fs), b.String())
	})
}
