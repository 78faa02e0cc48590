package dump

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Filter returns a view of a keeping the buckets whose stacks have a frame
// whose function or file contains pattern, and the findings that involve
// one of their goroutines. The decision is not redone: goroutines filtered
// out still count, since they may hold what others wait for.
func (a *Analysis) Filter(pattern string) *Analysis {
	if pattern == "" {
		return a
	}
	v := *a
	v.Buckets = nil
	for _, b := range a.Buckets {
		if stackMatches(b.Stack.Frames, pattern) || (b.Stack.CreatedBy != nil && frameMatches(*b.Stack.CreatedBy, pattern)) {
			v.Buckets = append(v.Buckets, b)
		}
	}
	v.Findings = nil
	for _, f := range a.Findings {
		if slices.ContainsFunc(f.Goroutines, func(g *waitgraph.Goroutine) bool { return stackMatches(g.Stack, pattern) }) {
			v.Findings = append(v.Findings, f)
		}
	}
	return &v
}

func stackMatches(s waitgraph.Stack, pattern string) bool {
	return slices.ContainsFunc(s, func(f waitgraph.Frame) bool { return frameMatches(f, pattern) })
}

func frameMatches(f waitgraph.Frame, pattern string) bool {
	return strings.Contains(f.Func, pattern) || strings.Contains(f.File, pattern)
}

// Headline returns the verdict in one line, e.g. "DEADLOCK (likely): 2
// goroutines in a circular wait".
func (a *Analysis) Headline() string {
	if len(a.Findings) == 0 {
		switch {
		case a.Dump.Format == LeakReport && a.Dump.Total() == 0:
			return "the goroutine leak profile lists no leaked goroutine"
		case a.Blocked+a.Running+a.External == 0:
			return "no goroutine of the program in the dump"
		case a.Running+a.External > 0:
			return "no deadlock found: the program is making progress or waiting for outside input"
		}
		return "no deadlock found"
	}
	f := a.Findings[0]
	head := strings.ToUpper(string(f.Kind))
	if f.Certainty != "" && f.Certainty != report.Certain {
		head += " (" + string(f.Certainty) + ")"
	}
	n := 0
	for _, g := range f.Goroutines {
		n += max(g.Count, 1)
	}
	more := ""
	if len(a.Findings) > 1 {
		more = fmt.Sprintf(" (+%d more findings)", len(a.Findings)-1)
	}
	return fmt.Sprintf("%s: %s, %s%s", head, f.Title(), plural(n, "goroutine"), more)
}

// WriteText writes the one-screen summary: the verdict, the findings in a
// line or two each, the goroutines by class, the largest buckets and the
// notes on certainty. With details, the full report of each finding and
// the stack of every bucket follow.
func (a *Analysis) WriteText(w io.Writer, details bool) error {
	var b strings.Builder
	d := a.Dump
	fmt.Fprintf(&b, "gridlock analyze: %s\n", a.Headline())
	src := string(d.Format)
	if d.Reason != "" {
		src = d.Reason + "; " + src
	}
	fmt.Fprintf(&b, "dump: %s, %d goroutines, %d distinct stacks", src, d.Total(), len(d.Stacks))
	if d.Snapshot != nil {
		b.WriteString(", with gridlock's snapshot")
	}
	if d.Dumps > 0 {
		fmt.Fprintf(&b, "; the last of %d dumps, compared with the one before", d.Dumps+1)
	}
	b.WriteString("\n")
	if len(d.Tests) > 0 {
		fmt.Fprintf(&b, "running tests: %s\n", strings.Join(d.Tests, ", "))
	}
	if d.Warning != "" {
		fmt.Fprintf(&b, "warning: %s\n", d.Warning)
	}
	fmt.Fprintf(&b, "goroutines: %d blocked, %d running, %d in I/O, a system call or asleep, %d of the runtime", a.Blocked, a.Running, a.External, a.System)
	if a.Idle > 0 {
		fmt.Fprintf(&b, ", %d idle (select {})", a.Idle)
	}
	b.WriteString("\n")
	if len(a.Findings) > 0 {
		b.WriteString("\nfindings:\n")
		for i, f := range a.Findings {
			if i == 8 {
				fmt.Fprintf(&b, "  ... %d more\n", len(a.Findings)-i)
				break
			}
			cert := ""
			if f.Certainty != "" && f.Certainty != report.Certain {
				cert = " (" + string(f.Certainty) + ")"
			}
			fmt.Fprintf(&b, "  %s%s: %s\n", f.Kind, cert, f.Summary)
		}
	}
	b.WriteString("\nbuckets (goroutines with the same stack and status):\n")
	fmt.Fprintf(&b, "  %7s  %-22s %-9s %s\n", "COUNT", "STATUS", "WAITED", "WHERE")
	shown := 0
	for _, bk := range a.Buckets {
		if bk.Class == System {
			continue
		}
		if shown == 12 {
			rest := 0
			for _, x := range a.Buckets {
				if x.Class != System {
					rest++
				}
			}
			fmt.Fprintf(&b, "  ... %d more buckets (see the details)\n", rest-shown)
			break
		}
		shown++
		st := bk.Status
		if bk.Leaked > 0 {
			st += " (leaked)"
		}
		fmt.Fprintf(&b, "  %7d  %-22s %-9s %s", bk.Count, clip(st, 22), waited(bk.MaxWait), shortPos(bk.where))
		if len(bk.Resources) > 0 && !strings.Contains(bk.Resources[0], " of ") {
			fmt.Fprintf(&b, " on %s", strings.Join(bk.Resources, ", "))
		}
		b.WriteString("\n")
	}
	if len(a.Notes) > 0 {
		b.WriteString("\nwhat the dump cannot tell:\n")
		for _, n := range a.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	if details {
		for _, f := range a.Findings {
			b.WriteString("\n")
			b.WriteString(report.Text(f))
		}
		b.WriteString("\nstacks:\n")
		for _, bk := range a.Buckets {
			if bk.Class == System {
				continue
			}
			fmt.Fprintf(&b, "\n%d goroutines [%s]%s: %s\n", bk.Count, bk.Status, leakedMark(bk), idList(bk.IDs, 10))
			for _, f := range bk.Stack.Frames {
				fmt.Fprintf(&b, "\t%s\n", f)
			}
			if c := bk.Stack.CreatedBy; c != nil {
				fmt.Fprintf(&b, "\tcreated by %s\n", c)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func leakedMark(b *Bucket) string {
	if b.Leaked > 0 {
		return fmt.Sprintf(" (%d leaked)", b.Leaked)
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func waited(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("≥%dm", int(d/time.Minute))
}

// idList formats up to n ids: "ids 3, 7, 9 and 12 more".
func idList(ids []int64, n int) string {
	if len(ids) == 0 {
		return "no ids"
	}
	var parts []string
	for i, id := range ids {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-n))
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return "ids " + strings.Join(parts, ", ")
}
