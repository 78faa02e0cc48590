package precision

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Totals counts the results.
type Totals struct {
	Modules, Failed           int // modules; modules with an unexpected finding, a broken suite or an error
	Suites, Broken, PlainFail int // suites; broken ones; ones that fail plainly
	Unexpected, Sites, Known  int // unexpected findings, at so many sites; findings known to be true
	Errors                    int // modules or suites that could not be run
	Wall                      time.Duration
}

// Total adds up rs.
func Total(rs []*Result) Totals {
	var t Totals
	for _, r := range rs {
		if r == nil {
			continue
		}
		t.Modules++
		t.Wall += r.Wall
		if r.Failed() {
			t.Failed++
		}
		if r.Err != nil {
			t.Errors++
		}
		for _, s := range r.Suites {
			t.Suites++
			if s.Broken() {
				t.Broken++
			}
			if !s.Plain.Passed() {
				t.PlainFail++
			}
			if s.Err != nil || failedToRun(s.Plain) || failedToRun(s.Gridlock) {
				t.Errors++
			}
			t.Unexpected += s.UnexpectedCount()
			t.Sites += len(s.Unexpected)
			t.Known += s.KnownCount()
		}
	}
	return t
}

// String formats the totals as one line.
func (t Totals) String() string {
	return fmt.Sprintf("%d modules, %d suites: %d broken, %d unexpected findings at %d sites, %d known-true findings, %d failing plainly, %d errors; %d of %d modules clean (%s)",
		t.Modules, t.Suites, t.Broken, t.Unexpected, t.Sites, t.Known, t.PlainFail, t.Errors, t.Modules-t.Failed, t.Modules, t.Wall.Round(time.Second))
}

// unseen returns the known findings of r's module that no suite showed.
func (r *Result) unseen() []Known {
	var out []Known
	for i, k := range r.Module.Known {
		seen := false
		for _, s := range r.Suites {
			for _, g := range s.Known {
				if g.Known == &r.Module.Known[i] {
					seen = true
				}
			}
		}
		if !seen {
			out = append(out, k)
		}
	}
	return out
}

// WriteText writes r for a terminal: the module, then per suite its plain
// and gridlock outcomes and its findings, at most limit unexpected sites
// per suite (all if limit <= 0).
func WriteText(w io.Writer, r *Result, limit int) {
	fmt.Fprintf(w, "%s (%s)\n", r.Module, seconds(r.Wall))
	if r.Err != nil {
		fmt.Fprintf(w, "  ERROR %v\n", r.Err)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range r.Suites {
		fmt.Fprintf(tw, "  test %s\n", s.Suite)
		fmt.Fprintf(tw, "    plain\t%s\t(wall %s)%s\n", s.Plain.Verdict(), s.Plain.wall(), failure(s.Plain))
		if s.Gridlock == nil {
			continue
		}
		mark := ""
		if s.Broken() {
			mark = "  BROKEN"
		}
		fmt.Fprintf(tw, "    gridlock\t%s\t(wall %s)%s%s\n", s.Gridlock.Verdict(), s.Gridlock.wall(), failure(s.Gridlock), mark)
		if s.Err != nil {
			fmt.Fprintf(tw, "    ERROR\t%v\n", s.Err)
		}
		for _, g := range s.Known {
			fmt.Fprintf(tw, "    known\t%s\t%s\t×%d\t%s\n", g.Kind, g.Site, g.Count, g.Known.Why)
		}
		for i, g := range s.Unexpected {
			if limit > 0 && i == limit {
				fmt.Fprintf(tw, "    unexpected\t… %d more sites\n", len(s.Unexpected)-limit)
				break
			}
			fmt.Fprintf(tw, "    unexpected\t%s\t%s\t×%d\t%s\n", g.Kind, g.Site, g.Count, oneLine(g.Summary, 120))
		}
	}
	for _, k := range r.unseen() {
		fmt.Fprintf(tw, "  not seen\t%s\t%s\t\t%s\n", k.Kind, k.Site, k.Why)
	}
	tw.Flush()
}

// failure says why an outcome failed: the error, the failed tests, or
// where the output is.
func failure(o *Outcome) string {
	switch {
	case o == nil || o.Passed():
		return ""
	case o.Err != nil:
		return ": " + o.Err.Error()
	case len(o.Failed) > 0:
		return "; failed: " + list(o.Failed)
	}
	var pkgs []string
	for p, a := range o.Packages {
		if a == "fail" {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) > 0 {
		slices.Sort(pkgs)
		return "; failed packages: " + list(pkgs)
	}
	if o.Log == "" {
		return "; -keep keeps the output"
	}
	return "; see " + o.Log
}

// list joins the first three of s and counts the rest.
func list(s []string) string {
	if len(s) > 3 {
		return strings.Join(s[:3], ", ") + fmt.Sprintf(" and %d more", len(s)-3)
	}
	return strings.Join(s, ", ")
}

// oneLine returns s's first line, cut to n runes.
func oneLine(s string, n int) string {
	s = firstLine(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// WriteMarkdown writes the results as a Markdown table, one row per suite,
// with the totals and, per module, the findings: known-true ones with why,
// and at most limit unexpected sites per suite (all if limit <= 0).
func WriteMarkdown(w io.Writer, rs []*Result, limit int) {
	fmt.Fprintln(w, "| module | suite | plain | gridlock | broken | known-true | unexpected (sites) | wall |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		if r == nil {
			continue
		}
		if r.Err != nil {
			fmt.Fprintf(w, "| %s | | ERROR: %s | | | | | %s |\n", cell(r.Module.String()), cell(r.Err.Error()), seconds(r.Wall))
			continue
		}
		for i, s := range r.Suites {
			mod, wall := "", ""
			if i == 0 {
				mod, wall = cell(r.Module.String()), seconds(r.Wall)
			}
			broken := "no"
			if s.Broken() {
				broken = "**yes**"
			}
			unexpected := fmt.Sprintf("%d (%d)", s.UnexpectedCount(), len(s.Unexpected))
			if len(s.Unexpected) > 0 {
				unexpected = "**" + unexpected + "**"
			}
			fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %d | %s | %s |\n",
				mod, cell(s.Suite.String()), cell(s.Plain.Verdict()), cell(s.Gridlock.Verdict()), broken, s.KnownCount(), unexpected, wall)
		}
	}
	fmt.Fprintf(w, "\n%s\n", Total(rs))
	for _, r := range rs {
		if r == nil || r.Err != nil {
			continue
		}
		var lines []string
		for _, s := range r.Suites {
			for _, o := range []*Outcome{s.Plain, s.Gridlock} {
				if f := failure(o); f != "" && !strings.HasPrefix(f, "; see") && !strings.HasPrefix(f, "; -keep") {
					lines = append(lines, fmt.Sprintf("- `%s`: %s FAIL%s", cell(s.Suite.String()), mode(o, s), strings.TrimPrefix(f, ";")))
				}
			}
			if s.Err != nil {
				lines = append(lines, fmt.Sprintf("- ERROR reading findings: %v", s.Err))
			}
			for _, g := range s.Known {
				lines = append(lines, fmt.Sprintf("- known-true %s at `%s` ×%d: %s", g.Kind, g.Site, g.Count, g.Known.Why))
			}
			for i, g := range s.Unexpected {
				if limit > 0 && i == limit {
					lines = append(lines, fmt.Sprintf("- … %d more unexpected sites", len(s.Unexpected)-limit))
					break
				}
				lines = append(lines, fmt.Sprintf("- unexpected %s at `%s` ×%d: %s", g.Kind, g.Site, g.Count, oneLine(g.Summary, 160)))
			}
		}
		for _, k := range r.unseen() {
			lines = append(lines, fmt.Sprintf("- not seen: known-true %s at `%s`", k.Kind, k.Site))
		}
		if len(lines) > 0 {
			fmt.Fprintf(w, "\n%s:\n\n%s\n", r.Module, strings.Join(lines, "\n"))
		}
	}
}

func mode(o *Outcome, s *SuiteResult) string {
	if o == s.Gridlock {
		return "gridlock"
	}
	return "plain"
}

// cell escapes s for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
