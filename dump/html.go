package dump

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/gridlock-go/gridlock/report"
)

// WriteHTML writes a as one self-contained web page, the picture an
// incident channel wants: the verdict, each finding with its report, the
// wait-for graph as an inline SVG, the buckets of goroutines with their
// stacks folded, and what the dump cannot tell. The page loads nothing and
// runs no script.
func (a *Analysis) WriteHTML(w io.Writer) error {
	var b strings.Builder
	esc := html.EscapeString
	d := a.Dump
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gridlock analyze: ` + esc(a.Headline()) + `</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1b1b1b}
h1{font-size:22px;margin:8px 0 4px} h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
.meta{color:#555;margin:0 0 10px} .warn{color:#b26a00}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff;background:#2e7d32}
.verdict.k-deadlock,.verdict.k-partial-deadlock{background:#c62828}.verdict.k-busy,.verdict.k-lock-contention,.verdict.k-long-wait{background:#ef6c00}
.finding{border:1px solid #e0e0e0;border-left:5px solid #c62828;border-radius:4px;padding:8px 12px;margin:10px 0}
.finding.k-busy,.finding.k-lock-contention,.finding.k-long-wait{border-left-color:#ef6c00}
.cert{color:#555;font-size:13px} .hint{color:#2e5d2e}
pre{background:#f6f8fa;padding:8px 10px;overflow-x:auto;font-size:12.5px;line-height:1.35;margin:6px 0}
table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:3px 8px;vertical-align:top;border-bottom:1px solid #eee;font-size:13.5px}
th{color:#555;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer} code{font-size:13px}
.graph{overflow-x:auto;border:1px solid #eee;border-radius:4px;padding:4px}
</style></head><body>
`)
	verdict := "ok"
	if v := a.Verdict(); v != "" {
		verdict = string(v)
	}
	head := a.Headline()
	if i := strings.Index(head, ": "); i >= 0 && len(a.Findings) > 0 {
		head = head[i+2:]
		if c := a.Findings[0].Certainty; c != "" && c != report.Certain {
			head = string(c) + " · " + head
		}
	}
	fmt.Fprintf(&b, "<h1><span class=\"verdict k-%s\">%s</span> %s</h1>\n", esc(verdict), esc(verdict), esc(head))
	src := string(d.Format)
	if d.Reason != "" {
		src = d.Reason + " — " + src
	}
	fmt.Fprintf(&b, "<p class=\"meta\">dump: %s, %d goroutines, %d distinct stacks; %d blocked, %d running, %d in I/O, a system call or asleep, %d of the runtime",
		esc(src), d.Total(), len(d.Stacks), a.Blocked, a.Running, a.External, a.System)
	if d.Snapshot != nil {
		b.WriteString("; with gridlock's snapshot")
	}
	b.WriteString("</p>\n")
	if len(d.Tests) > 0 {
		fmt.Fprintf(&b, "<p class=\"meta\">running tests: %s</p>\n", esc(strings.Join(d.Tests, ", ")))
	}
	if d.Warning != "" {
		fmt.Fprintf(&b, "<p class=\"warn\">warning: %s</p>\n", esc(d.Warning))
	}

	if len(a.Findings) > 0 {
		b.WriteString("<h2>Findings</h2>\n")
		for _, f := range a.Findings {
			fmt.Fprintf(&b, "<div class=\"finding k-%s\"><b>%s</b>", esc(string(f.Kind)), esc(string(f.Kind)))
			if f.Certainty != "" {
				fmt.Fprintf(&b, " <span class=\"cert\">(%s)</span>", esc(string(f.Certainty)))
			}
			fmt.Fprintf(&b, ": %s<br>\n", esc(f.Summary))
			if f.Hint != "" {
				fmt.Fprintf(&b, "<span class=\"hint\">fix: %s</span>", esc(f.Hint))
				if f.Kind.Known() {
					fmt.Fprintf(&b, " — <a href=\"%s\">about %s</a>", esc(f.Kind.Doc()), esc(string(f.Kind)))
				}
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "<details><summary>report</summary><pre>%s</pre></details></div>\n", esc(report.Text(f)))
		}
		b.WriteString("<h2>Wait-for graph</h2>\n<div class=\"graph\">\n")
		if err := report.WriteSVG(&b, a.Findings); err != nil {
			return err
		}
		b.WriteString("</div>\n")
	}

	b.WriteString("<h2>Goroutines by stack</h2>\n<table>\n<tr><th>count</th><th>status</th><th>waited</th><th>where, and the stack</th></tr>\n")
	for _, bk := range a.Buckets {
		if bk.Class == System {
			continue
		}
		st := bk.Status
		if bk.Leaked > 0 {
			st += " (leaked)"
		}
		on := ""
		if len(bk.Resources) > 0 && !strings.Contains(bk.Resources[0], " of ") {
			on = " on " + strings.Join(bk.Resources, ", ")
		}
		fmt.Fprintf(&b, "<tr><td class=\"n\">%d</td><td>%s</td><td>%s</td><td><details><summary><code>%s</code>%s</summary><pre>",
			bk.Count, esc(st), esc(waited(bk.MaxWait)), esc(shortPos(bk.where)), esc(on))
		for _, f := range bk.Stack.Frames {
			fmt.Fprintf(&b, "%s\n\t%s\n", esc(f.Func), esc(f.Pos()))
		}
		if c := bk.Stack.CreatedBy; c != nil {
			fmt.Fprintf(&b, "created by %s\n\t%s\n", esc(c.Func), esc(c.Pos()))
		}
		fmt.Fprintf(&b, "</pre>%s</details></td></tr>\n", esc(idList(bk.IDs, 20)))
	}
	b.WriteString("</table>\n")
	if len(a.Notes) > 0 {
		b.WriteString("<h2>What the dump cannot tell</h2>\n<ul>\n")
		for _, n := range a.Notes {
			fmt.Fprintf(&b, "<li>%s</li>\n", esc(n))
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("<p class=\"meta\">made by <a href=\"https://github.com/gridlock-go/gridlock\">gridlock</a> analyze</p>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
