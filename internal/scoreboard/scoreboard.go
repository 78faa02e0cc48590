// Package scoreboard runs gridlock test on the kernel corpus (the kernels
// module in the repository's kernels directory) and compares what it finds
// with what each kernel's EXPECTED file says it should.
package scoreboard

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// A Kernel is one kernel of the corpus and what gridlock found in it.
type Kernel struct {
	Path     string   // relative to the corpus, e.g. "abba/hang"
	Category string   // the first line of EXPECTED, e.g. "resource deadlock: AB-BA"
	Want     []string // expected kinds; empty for correct code
	Found    []string // kinds found
	// Explored is what gridlock explore, at its default settings, stopped
	// on: a finding's kind, "failure" (a test failure or hang without a
	// finding), or "" when it found nothing; Explore says whether it ran.
	Explored string
	Explore  bool
}

// ExploreVerdict describes what gridlock explore did with the kernel.
func (k *Kernel) ExploreVerdict() string {
	switch {
	case !k.Explore:
		return ""
	case k.Explored == "" && k.Buggy():
		return "missed"
	case k.Explored == "":
		return "silent"
	case !k.Buggy():
		return "FALSE ALARM (" + k.Explored + ")"
	case slices.Contains(k.Want, k.Explored):
		return "found (" + k.Explored + ")"
	}
	return "found other (" + k.Explored + ")"
}

// Buggy reports whether the kernel is expected to produce findings.
func (k *Kernel) Buggy() bool { return len(k.Want) > 0 }

// Exact reports whether exactly the expected kinds were found.
func (k *Kernel) Exact() bool { return slices.Equal(k.Want, k.Found) }

// Verdict describes the comparison in a few words.
func (k *Kernel) Verdict() string {
	switch {
	case k.Exact() && k.Buggy():
		return "found"
	case k.Exact():
		return "silent"
	case !k.Buggy():
		return "FALSE ALARM"
	case len(k.Found) == 0:
		return "missed"
	}
	return "found other kinds"
}

// Board is the result of a run.
type Board struct {
	Kernels []*Kernel
	Elapsed time.Duration
}

// Options configure a run.
type Options struct {
	Root    string        // the gridlock module's root directory
	Wait    time.Duration // gridlock test's -wait
	Stderr  io.Writer     // gridlock test's standard error and output; nil discards them
	Pattern string        // packages of the corpus to run, default ./...
	// Explore also runs gridlock explore, at its default settings, on
	// each kernel.
	Explore bool
}

// Run builds gridlock from o.Root, runs gridlock test on the corpus in
// o.Root/kernels and returns the board.
func Run(o Options) (*Board, error) {
	if o.Wait == 0 {
		o.Wait = 2 * time.Second
	}
	if o.Pattern == "" {
		o.Pattern = "./..."
	}
	temp, err := os.MkdirTemp("", "gridlock-scoreboard-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(temp)
	bin := filepath.Join(temp, "gridlock")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gridlock")
	build.Dir = o.Root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building gridlock: %v\n%s", err, out)
	}
	corpus := filepath.Join(o.Root, "kernels")
	kernels, err := Load(corpus)
	if err != nil {
		return nil, err
	}
	findings := filepath.Join(temp, "findings.json")
	start := time.Now()
	cmd := exec.Command(bin, "test", "-wait", o.Wait.String(), "-json", findings, o.Pattern)
	cmd.Dir = corpus
	cmd.Env = append(os.Environ(), "GRIDLOCK_SRC="+o.Root)
	if o.Stderr != nil {
		cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	}
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		return nil, fmt.Errorf("gridlock test: %v", err)
	}
	b, err := os.ReadFile(findings)
	if err != nil {
		return nil, err
	}
	var fs []struct {
		Package string `json:"package"`
		Kind    string `json:"kind"`
	}
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("reading gridlock test -json: %w", err)
	}
	modPath, err := modulePath(corpus)
	if err != nil {
		return nil, err
	}
	byPkg := make(map[string]*Kernel)
	for _, k := range kernels {
		byPkg[modPath+"/"+k.Path] = k
	}
	for _, f := range fs {
		if k := byPkg[f.Package]; k != nil && !slices.Contains(k.Found, f.Kind) {
			k.Found = append(k.Found, f.Kind)
		}
	}
	var ran []*Kernel
	for _, k := range kernels {
		slices.Sort(k.Found)
		if o.Pattern == "./..." || matches(o.Pattern, k.Path) {
			ran = append(ran, k)
		}
	}
	if o.Explore {
		for _, k := range ran {
			if err := explore(bin, corpus, o, k); err != nil {
				return nil, err
			}
		}
	}
	return &Board{Kernels: ran, Elapsed: time.Since(start)}, nil
}

// explore runs gridlock explore on kernel k.
func explore(bin, corpus string, o Options, k *Kernel) error {
	out := filepath.Join(os.TempDir(), fmt.Sprintf("gridlock-scoreboard-explore-%d.json", os.Getpid()))
	defer os.Remove(out)
	cmd := exec.Command(bin, "explore", "-json", out, "./"+k.Path)
	cmd.Dir = corpus
	cmd.Env = append(os.Environ(), "GRIDLOCK_SRC="+o.Root)
	if o.Stderr != nil {
		cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	}
	err := cmd.Run()
	k.Explore = true
	if err == nil {
		return nil
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		return fmt.Errorf("gridlock explore ./%s: %v", k.Path, err)
	}
	k.Explored = "failure"
	b, err := os.ReadFile(out)
	if err != nil {
		return nil
	}
	var recs []struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(b, &recs) == nil && len(recs) > 0 && recs[0].Kind != "" {
		k.Explored = recs[0].Kind
	}
	return nil
}

func matches(pattern, path string) bool {
	p := strings.TrimPrefix(pattern, "./")
	if rest, ok := strings.CutSuffix(p, "/..."); ok {
		return path == rest || strings.HasPrefix(path, rest+"/")
	}
	return p == path
}

// Load reads the EXPECTED files of the corpus in dir.
func Load(dir string) ([]*Kernel, error) {
	var out []*Kernel
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "EXPECTED" {
			return err
		}
		k, err := readExpected(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		k.Path = filepath.ToSlash(rel)
		out = append(out, k)
		return nil
	})
	slices.SortFunc(out, func(a, b *Kernel) int { return strings.Compare(a.Path, b.Path) })
	return out, err
}

// readExpected parses an EXPECTED file: a comment line with the category,
// then "want: KIND..." or "want: none".
func readExpected(path string) (*Kernel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k := &Kernel{}
	sawWant := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(line, "#"); ok && k.Category == "" {
			k.Category = strings.TrimSpace(c)
		}
		if w, ok := strings.CutPrefix(line, "want:"); ok {
			sawWant = true
			for _, kind := range strings.Fields(w) {
				if kind != "none" {
					k.Want = append(k.Want, kind)
				}
			}
		}
	}
	if !sawWant {
		return nil, fmt.Errorf("%s: no want: line", path)
	}
	slices.Sort(k.Want)
	return k, sc.Err()
}

func modulePath(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(p), `"`), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod: no module line", dir)
}

// Totals counts the kernels by outcome.
type Totals struct {
	Buggy, BuggyExact, BuggyFound int // kernels with bugs; found exactly; found something
	Correct, CorrectSilent        int
	// With Options.Explore: buggy kernels on which gridlock explore
	// stopped with a finding of an expected kind, or with any finding or
	// failure; correct kernels it was silent on.
	ExploreFound, ExploreAny, ExploreSilent int
}

// Totals returns the board's totals.
func (b *Board) Totals() Totals {
	var t Totals
	for _, k := range b.Kernels {
		if k.Explore {
			switch {
			case k.Buggy() && slices.Contains(k.Want, k.Explored):
				t.ExploreFound++
				t.ExploreAny++
			case k.Buggy() && k.Explored != "":
				t.ExploreAny++
			case !k.Buggy() && k.Explored == "":
				t.ExploreSilent++
			}
		}
		if k.Buggy() {
			t.Buggy++
			if k.Exact() {
				t.BuggyExact++
			}
			if len(k.Found) > 0 {
				t.BuggyFound++
			}
			continue
		}
		t.Correct++
		if len(k.Found) == 0 {
			t.CorrectSilent++
		}
	}
	return t
}

// WriteMarkdown writes the board as a Markdown table with totals.
func (b *Board) WriteMarkdown(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	explored := len(b.Kernels) > 0 && b.Kernels[0].Explore
	if explored {
		fmt.Fprintf(tw, "| kernel\t| category\t| expected\t| found\t| verdict\t| explore\t|\n")
		fmt.Fprintf(tw, "|---\t|---\t|---\t|---\t|---\t|---\t|\n")
	} else {
		fmt.Fprintf(tw, "| kernel\t| category\t| expected\t| found\t| verdict\t|\n")
		fmt.Fprintf(tw, "|---\t|---\t|---\t|---\t|---\t|\n")
	}
	for _, k := range b.Kernels {
		if explored {
			fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n", k.Path, k.Category, kinds(k.Want), kinds(k.Found), k.Verdict(), k.ExploreVerdict())
			continue
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t| %s\t|\n", k.Path, k.Category, kinds(k.Want), kinds(k.Found), k.Verdict())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := b.Totals()
	_, err := fmt.Fprintf(w, "\nbuggy kernels: %d of %d found with exactly the expected kinds, %d of %d with some finding; correct kernels: %d of %d silent (%v)\n",
		t.BuggyExact, t.Buggy, t.BuggyFound, t.Buggy, t.CorrectSilent, t.Correct, b.Elapsed.Round(time.Second))
	if err == nil && explored {
		_, err = fmt.Fprintf(w, "gridlock explore (default settings): buggy kernels: %d of %d stopped on an expected kind, %d of %d on some finding or failure; correct kernels: %d of %d silent\n",
			t.ExploreFound, t.Buggy, t.ExploreAny, t.Buggy, t.ExploreSilent, t.Correct)
	}
	return err
}

func kinds(ks []string) string {
	if len(ks) == 0 {
		return "none"
	}
	return strings.Join(ks, ", ")
}
