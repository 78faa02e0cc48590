package precision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// An Outcome is the result of one go test or gridlock test command.
type Outcome struct {
	Err         error         // the command could not be run
	Status      int           // exit status; -1 if it was killed
	TimedOut    bool          // killed at the suite's deadline
	TestTimeout bool          // a test binary reached go test's -timeout
	Killed      string        // why the command was killed, e.g. for its memory
	BuildFailed bool          // a package did not build
	Wall        time.Duration // the command's wall time, builds included
	Elapsed     time.Duration // the packages' test time, as go test reports it
	Packages    map[string]string
	Failed      []string // failed tests, "package TestName"
	// Findings is the file gridlock test -json wrote, or "" (and for a
	// plain run).
	Findings string
	Log      string // file with the command's output
}

// Passed reports whether the command ran its packages' tests and none
// failed.
func (o *Outcome) Passed() bool {
	if o == nil || o.Err != nil || o.TimedOut || o.Killed != "" || o.BuildFailed || len(o.Packages) == 0 {
		return false
	}
	for _, a := range o.Packages {
		if a == "fail" {
			return false
		}
	}
	return true
}

// Verdict describes o in a few words: "pass 1.2s", "FAIL 3.4s (timed out)".
func (o *Outcome) Verdict() string {
	if o == nil {
		return "not run"
	}
	if o.Err != nil {
		return "ERROR"
	}
	v := "pass"
	if !o.Passed() {
		v = "FAIL"
	}
	v += " " + seconds(o.Elapsed)
	switch {
	case o.TimedOut:
		v += " (killed at deadline)"
	case o.Killed != "":
		v += " (" + o.Killed + ")"
	case o.BuildFailed:
		v += " (build failed)"
	case o.TestTimeout:
		v += " (go test -timeout)"
	case len(o.Packages) == 0:
		v += fmt.Sprintf(" (no test ran, exit %d)", o.Status)
	}
	return v
}

// wall returns o's wall time, "0.0s" if o is nil.
func (o *Outcome) wall() string {
	if o == nil {
		return seconds(0)
	}
	return seconds(o.Wall)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// A Runner fetches modules and runs their suites. ExecRunner is the real
// one; tests use a fake.
type Runner interface {
	// Fetch puts a writable copy of the module's source in dst, which does
	// not exist yet.
	Fetch(ctx context.Context, m *Module, dst string) error
	// Test runs suite s in the module copy dir, under gridlock test if
	// gridlock is set, with go test's -timeout. work is a directory of its
	// own for logs, findings and temporary files.
	Test(ctx context.Context, dir, work string, s Suite, timeout time.Duration, gridlock bool) *Outcome
}

// A Group is a set of findings of one kind at one site.
type Group struct {
	Kind    string
	Site    string
	Count   int
	Summary string // the first finding's summary
	Known   *Known // the known finding they match, or nil
}

// A SuiteResult is what one suite gave plainly and under gridlock test.
type SuiteResult struct {
	Suite      Suite
	Plain      *Outcome
	Gridlock   *Outcome
	Known      []*Group // findings that match a known finding, by known line
	Unexpected []*Group // the others, by kind and site
	Err        error    // the findings could not be read
}

// Broken reports whether the suite passes plainly and fails under gridlock
// test.
func (r *SuiteResult) Broken() bool {
	return r.Plain.Passed() && !r.Gridlock.Passed()
}

// UnexpectedCount returns the number of unexpected findings.
func (r *SuiteResult) UnexpectedCount() int { return count(r.Unexpected) }

// KnownCount returns the number of findings that match a known finding.
func (r *SuiteResult) KnownCount() int { return count(r.Known) }

func count(gs []*Group) int {
	n := 0
	for _, g := range gs {
		n += g.Count
	}
	return n
}

// A Result is what a module's suites gave.
type Result struct {
	Module *Module
	Err    error // the module could not be fetched
	Suites []*SuiteResult
	Wall   time.Duration
	Dir    string // the scratch directory, if kept
}

// Failed reports whether the module counts against precision: an
// unexpected finding, a broken suite or an error.
func (r *Result) Failed() bool {
	if r.Err != nil {
		return true
	}
	for _, s := range r.Suites {
		if s.Err != nil || s.Broken() || len(s.Unexpected) > 0 || failedToRun(s.Plain) || failedToRun(s.Gridlock) {
			return true
		}
	}
	return false
}

// failedToRun reports whether o is missing or its command could not be
// run or was interrupted.
func failedToRun(o *Outcome) bool {
	return o == nil || o.Err != nil || o.Killed == "interrupted"
}

// Options configure Run.
type Options struct {
	Modules  []*Module
	Runner   Runner
	Scratch  string        // where the modules are copied; a new temporary directory if ""
	Keep     bool          // keep the scratch directories
	Jobs     int           // modules run at once; 1 if 0
	Timeout  time.Duration // go test -timeout of modules that name none
	Progress io.Writer     // one line per step; nil for none
	// Done, if not nil, is called with each module's result as soon as it
	// is complete, one at a time.
	Done func(*Result)
}

// Run runs the modules' suites and returns their results in the order of
// o.Modules.
func Run(ctx context.Context, o Options) ([]*Result, error) {
	if o.Jobs < 1 {
		o.Jobs = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	scratch := o.Scratch
	if scratch == "" {
		var err error
		scratch, err = os.MkdirTemp("", "gridlock-precision-")
		if err != nil {
			return nil, err
		}
		if !o.Keep {
			defer os.RemoveAll(scratch)
		}
	} else if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, err
	}
	var (
		mu      sync.Mutex // serializes Progress and Done
		results = make([]*Result, len(o.Modules))
		next    = make(chan int)
		wg      sync.WaitGroup
	)
	logf := func(format string, args ...any) {
		if o.Progress != nil {
			mu.Lock()
			fmt.Fprintf(o.Progress, "precision: "+format+"\n", args...)
			mu.Unlock()
		}
	}
	for range o.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					continue // interrupted: leave results[i] nil
				}
				dir := filepath.Join(scratch, fmt.Sprintf("%02d-%s", i+1, shortName(o.Modules[i].Path)))
				r := runModule(ctx, o, o.Modules[i], dir, logf)
				if o.Keep {
					r.Dir = dir
				} else {
					os.RemoveAll(dir)
					for _, s := range r.Suites {
						for _, out := range []*Outcome{s.Plain, s.Gridlock} {
							if out != nil {
								out.Log = "" // removed with dir
							}
						}
					}
				}
				results[i] = r
				if o.Done != nil {
					mu.Lock()
					o.Done(r)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range o.Modules {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return results, err
	}
	return results, nil
}

// shortName returns the last element of a module path that is not a major
// version suffix: "ants" for github.com/panjf2000/ants/v2.
func shortName(path string) string {
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i > 0; i-- {
		e := elems[i]
		if len(e) < 2 || e[0] != 'v' || strings.Trim(e[1:], "0123456789") != "" {
			return e
		}
	}
	return elems[0]
}

func runModule(ctx context.Context, o Options, m *Module, dir string, logf func(string, ...any)) *Result {
	start := time.Now()
	r := &Result{Module: m}
	defer func() { r.Wall = time.Since(start) }()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.Err = err
		return r
	}
	src := filepath.Join(dir, "src")
	logf("%s: fetching", m)
	if err := o.Runner.Fetch(ctx, m, src); err != nil {
		r.Err = fmt.Errorf("fetching: %w", err)
		logf("%s: %v", m, r.Err)
		return r
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = o.Timeout
	}
	for i, s := range m.Suites {
		if ctx.Err() != nil {
			break
		}
		sr := &SuiteResult{Suite: s}
		r.Suites = append(r.Suites, sr)
		for _, gl := range []bool{false, true} {
			if ctx.Err() != nil {
				break
			}
			mode := "plain"
			if gl {
				mode = "gridlock"
			}
			work := filepath.Join(dir, fmt.Sprintf("suite%d-%s", i+1, mode))
			if err := os.MkdirAll(work, 0o755); err != nil {
				sr.Err = err
				break
			}
			logf("%s: %s: %s", m, mode, s)
			out := o.Runner.Test(ctx, src, work, s, timeout, gl)
			logf("%s: %s: %s (wall %s)", m, mode, out.Verdict(), seconds(out.Wall))
			if gl {
				sr.Gridlock = out
			} else {
				sr.Plain = out
			}
		}
		if sr.Gridlock != nil && sr.Gridlock.Findings != "" {
			sr.Err = classify(sr, m.Known, sr.Gridlock.Findings, src)
		}
	}
	return r
}

// classify reads the findings in file and groups them into r.Known and
// r.Unexpected.
func classify(r *SuiteResult, known []Known, file, dir string) error {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil // gridlock test stopped before writing it
	}
	if err != nil {
		return err
	}
	defer f.Close()
	byKnown := make(map[int]*Group)
	byKey := make(map[[2]string]*Group)
	err = readFindings(f, func(fd *Finding) {
		if fd.Finding == nil {
			return
		}
		for i, k := range known {
			if k.Matches(fd.Finding) {
				g := byKnown[i]
				if g == nil {
					g = &Group{Kind: k.Kind, Site: k.Site, Summary: fd.Summary, Known: &known[i]}
					byKnown[i] = g
					r.Known = append(r.Known, g)
				}
				g.Count++
				return
			}
		}
		key := [2]string{string(fd.Kind), Site(fd.Finding, dir)}
		g := byKey[key]
		if g == nil {
			g = &Group{Kind: key[0], Site: key[1], Summary: fd.Summary}
			byKey[key] = g
			r.Unexpected = append(r.Unexpected, g)
		}
		g.Count++
	})
	slices.SortStableFunc(r.Unexpected, func(a, b *Group) int { return b.Count - a.Count })
	return err
}

// readFindings calls fn with each finding of a gridlock test -json file,
// one at a time, so that a file of many large findings need not be held
// whole.
func readFindings(r io.Reader, fn func(*Finding)) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading findings: %w", err)
	}
	if tok == nil { // null
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("reading findings: want a JSON array")
	}
	for dec.More() {
		var f Finding
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("reading findings: %w", err)
		}
		fn(&f)
	}
	return nil
}
