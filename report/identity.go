package report

import (
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Identity returns what makes f one bug rather than another: its kind,
// the classes of the resources it names (their names or kinds, with
// instance numbers and addresses left out) and the sites involved (its
// positions, the resources' creation sites, the frames where its
// goroutines wait and took what they hold, the order edges' sites).
// Goroutine ids, instance numbers and durations are not part of it: the
// same bug hit in every iteration of a loop over fresh locks, by several
// instances or in several tests has one identity. A partial deadlock is
// where goroutines are stuck: its resources count by kind and name, not by
// where they were made, so goroutines stuck at one place on objects that
// several callers made (a helper that waits on what each test gives it)
// are one bug. It reads "kind:hash", e.g. "deadlock:9f86d081884c7d65".
//
// A finding that carries Key (set by the runtime engine, which computed
// the identity before trimming the finding) has that identity.
func (f *Finding) Identity() string {
	if f.Key != "" {
		return f.Key
	}
	return Identity(f)
}

// Identity computes f's identity from its contents, ignoring f.Key; see
// Finding.Identity.
func Identity(f *Finding) string {
	var parts []string
	add := func(p string) {
		if p != "" && p != "?" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	class := map[string]string{}
	for _, r := range f.Resources {
		c := resourceClass(r, f.Kind != PartialDeadlock)
		class[r.ID] = c
		add("r " + c)
	}
	cls := func(id string) string {
		if c, ok := class[id]; ok {
			return c
		}
		return instance.ReplaceAllString(id, "")
	}
	for _, p := range f.Positions {
		add("p " + p)
	}
	for _, o := range f.Orders {
		add(fmt.Sprintf("o %s>%s %s %s", cls(o.From), cls(o.To), o.FromStack.Top().Pos(), o.Stack.Top().Pos()))
	}
	for _, g := range f.Goroutines {
		if w := g.Wait; w != nil {
			add(fmt.Sprintf("w %s %s %s", w.Mode, cls(w.Resource), w.Stack.Top().Pos()))
		}
		for _, h := range g.Holds {
			add(fmt.Sprintf("h %s %s %s", h.Mode, cls(h.Resource), h.Stack.Top().Pos()))
		}
	}
	slices.Sort(parts)
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%s:%016x", f.Kind, h.Sum64())
}

// instance matches what tells instances of one class apart in a
// resource's id or name: "#12", "@34", an address.
var instance = regexp.MustCompile(`#\d+|@\d+|0x[0-9a-fA-F]+`)

// resourceClass names r's class: its name, else its id, without instance
// numbers or addresses, with its kind and, if site, its creation site.
func resourceClass(r *waitgraph.Resource, site bool) string {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	s := string(r.Kind) + " " + instance.ReplaceAllString(name, "")
	if site && r.Site != nil {
		s += " " + r.Site.Pos()
	}
	return s
}

// A Set gathers findings from several places — test binaries, tests, the
// iterations of one test — and keeps one per identity (see
// Finding.Identity): a repeat adds to the count of the finding kept first,
// and to the places it was seen in, instead of being kept again. Its
// memory grows with the number of distinct findings, not with repeats.
// It is safe for concurrent use.
type Set struct {
	mu    sync.Mutex
	byKey map[string]*Finding
	order []*Finding
	total int
	// stubs are the findings kept from a repeat record, for lack of the
	// first, which replaces them when it comes.
	stubs map[*Finding]bool
}

// Add adds f, seen in where (a package, a test; empty if unknown). It
// reports whether f is new, the first of its identity: the caller then
// shows it. A new finding is kept trimmed (see Trim). A repeat adds f's count (one if unset) to the first's, and
// where to the first's Tests. A record that only counts a repeat (Repeat)
// of a finding not seen yet is kept, and not reported new: the full
// finding, when it comes, takes its place and is.
func (s *Set) Add(where string, f *Finding) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKey == nil {
		s.byKey = make(map[string]*Finding)
	}
	n := max(f.Count, 1)
	if f.Repeat {
		n = 1 // a repeat record counts one more, whatever its count says
	}
	s.total += n
	key := f.Identity()
	first := s.byKey[key]
	if first != nil && !(s.stubs[first] && !f.Repeat) {
		first.Count = max(first.Count, 1) + n
		first.addTest(where)
		return false
	}
	Trim(f)
	f.Key = key
	if first != nil {
		// The full finding for a stub: it takes the stub's place.
		delete(s.stubs, first)
		f.Count, f.Tests = first.Count+n, first.Tests
		f.Repeat = false
		f.addTest(where)
		s.byKey[key] = f
		s.order[slices.Index(s.order, first)] = f
		return true
	}
	f.Count = n
	f.addTest(where)
	s.byKey[key] = f
	s.order = append(s.order, f)
	if f.Repeat {
		if s.stubs == nil {
			s.stubs = make(map[*Finding]bool)
		}
		s.stubs[f] = true
		return false
	}
	return true
}

func (f *Finding) addTest(where string) {
	if where != "" && !slices.Contains(f.Tests, where) && len(f.Tests) < maxTests {
		f.Tests = append(f.Tests, where)
	}
}

// maxTests bounds Finding.Tests.
const maxTests = 64

// Findings returns the distinct findings in the order they were first
// added, each with its count and the places it was seen in.
func (s *Set) Findings() []*Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// Len returns the number of distinct findings.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}

// Total returns the number of findings added, repeats included.
func (s *Set) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// WriteSummary writes the closing summary: how many distinct findings of
// each kind, and, for each finding seen more than once, one line with
// where it shows and how often and where it was seen, e.g.
//
//	gridlock: 2 findings (41 reports): 1 deadlock, 1 long-wait
//	gridlock:   deadlock at /src/bank.go:32: seen 40 times in 2 tests
func (s *Set) WriteSummary(w io.Writer) error {
	fs := s.Findings()
	if len(fs) == 0 {
		return nil
	}
	counts := map[Kind]int{}
	for _, f := range fs {
		counts[f.Kind]++
	}
	var parts []string
	for _, k := range Catalog() {
		if n := counts[k.Kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.Kind))
		}
	}
	for k, n := range counts {
		if !k.Known() {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gridlock: %d findings", len(fs))
	if t := s.Total(); t > len(fs) {
		fmt.Fprintf(&b, " (%d reports)", t)
	}
	fmt.Fprintf(&b, ": %s\n", strings.Join(parts, ", "))
	for _, f := range fs {
		if f.Count > 1 {
			fmt.Fprintf(&b, "gridlock:   %s: %s\n", where(f), Seen(f))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// where says where f shows: its kind and first position.
func where(f *Finding) string {
	if len(f.Positions) > 0 && f.Positions[0] != "?" {
		return fmt.Sprintf("%s at %s", f.Kind, f.Positions[0])
	}
	return string(f.Kind)
}

// Seen says how often and where f was seen: "seen 20 times in 2 tests",
// or "" if once.
func Seen(f *Finding) string {
	if f.Count <= 1 {
		return ""
	}
	s := fmt.Sprintf("seen %d times", f.Count)
	switch len(f.Tests) {
	case 0:
	case 1:
		s += " in " + f.Tests[0]
	default:
		s += fmt.Sprintf(" in %d tests", len(f.Tests))
	}
	return s
}

// MaxReleasers is how many releasers of a resource a finding names; the
// rest are counted in Resource.MoreReleasers.
const MaxReleasers = 5

// Trim bounds the size of f: each resource names at most MaxReleasers
// goroutines that may release its waiters, those that are goroutines of
// the finding first, and counts the rest. A finding about thousands of
// goroutines that may each release thousands of waiters then grows with
// the goroutines, not with their square.
func Trim(f *Finding) {
	in := make(map[int64]bool, len(f.Goroutines))
	for _, g := range f.Goroutines {
		in[g.ID] = true
	}
	for _, r := range f.Resources {
		if len(r.Releasers) <= MaxReleasers {
			continue
		}
		// A stable partition: the finding's own goroutines first.
		kept := make([]waitgraph.Releaser, 0, MaxReleasers)
		for _, pass := range []bool{true, false} {
			for _, rel := range r.Releasers {
				if in[rel.Goroutine] == pass && len(kept) < MaxReleasers {
					kept = append(kept, rel)
				}
			}
		}
		r.MoreReleasers += len(r.Releasers) - len(kept)
		r.Releasers = kept
	}
}
