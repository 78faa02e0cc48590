package livehttp

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// writeMetrics writes the metrics in the Prometheus text exposition
// format, version 0.0.4.
func writeMetrics(w io.Writer) {
	b := bufio.NewWriter(w)
	defer b.Flush()
	ms := engine.Metrics()

	family(b, "gridlock_lock_acquisitions_total", "counter", "Acquisitions of the locks of a class (a name, a declaration, or kind@site of first use), since the live view was first requested.")
	for _, m := range ms {
		fmt.Fprintf(b, "gridlock_lock_acquisitions_total{%s} %d\n", classLabels(m), m.Acquisitions)
	}
	family(b, "gridlock_lock_contended_acquisitions_total", "counter", "Acquisitions of the locks of a class that had to wait.")
	for _, m := range ms {
		fmt.Fprintf(b, "gridlock_lock_contended_acquisitions_total{%s} %d\n", classLabels(m), m.Contended)
	}
	family(b, "gridlock_lock_wait_seconds", "histogram", "Time contended acquisitions of the locks of a class waited.")
	for _, m := range ms {
		histogram(b, "gridlock_lock_wait_seconds", classLabels(m), m.Wait, m.WaitSum.Seconds())
	}
	family(b, "gridlock_lock_hold_seconds", "histogram", "Time the locks of a class were held for writing, for one write hold in 16 (read holds are not timed).")
	for _, m := range ms {
		histogram(b, "gridlock_lock_hold_seconds", classLabels(m), m.Hold, m.HoldSum.Seconds())
	}

	seen := engine.FindingsSeen()
	distinct := engine.FindingsByKind()
	family(b, "gridlock_findings_total", "counter", "Findings reported, by kind, repeats of one bug included.")
	for _, k := range kinds(seen) {
		fmt.Fprintf(b, "gridlock_findings_total{kind=%s} %d\n", quote(string(k)), seen[k])
	}
	family(b, "gridlock_findings_distinct", "gauge", "Distinct findings reported, by kind: repeats of one bug count once.")
	for _, k := range kinds(distinct) {
		fmt.Fprintf(b, "gridlock_findings_distinct{kind=%s} %d\n", quote(string(k)), distinct[k])
	}

	blocked := engine.BlockedByKind()
	family(b, "gridlock_goroutines_blocked", "gauge", "Goroutines waiting, for more than a moment, on a resource gridlock watches, by kind of resource.")
	for _, k := range []waitgraph.ResourceKind{waitgraph.Mutex, waitgraph.RWMutex, waitgraph.Chan, waitgraph.Semaphore, waitgraph.WaitGroup, waitgraph.Cond, waitgraph.Once, waitgraph.Select} {
		fmt.Fprintf(b, "gridlock_goroutines_blocked{kind=%s} %d\n", quote(string(k)), blocked[k])
		delete(blocked, k)
	}
	for k, n := range blocked {
		fmt.Fprintf(b, "gridlock_goroutines_blocked{kind=%s} %d\n", quote(string(k)), n)
	}
	family(b, "gridlock_goroutines", "gauge", "Goroutines in the program.")
	fmt.Fprintf(b, "gridlock_goroutines %d\n", runtime.NumGoroutine())
}

// family writes the HELP and TYPE lines of a metric family.
func family(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// histogram writes a histogram's buckets (cumulative), sum and count.
func histogram(w io.Writer, name, labels string, buckets []int64, sum float64) {
	var n int64
	for i, c := range buckets {
		n += c
		le := "+Inf"
		if i < len(engine.HistogramBounds) {
			le = strconv.FormatFloat(engine.HistogramBounds[i], 'g', -1, 64)
		}
		fmt.Fprintf(w, "%s_bucket{%s,le=%s} %d\n", name, labels, quote(le), n)
	}
	fmt.Fprintf(w, "%s_sum{%s} %s\n", name, labels, strconv.FormatFloat(sum, 'g', -1, 64))
	fmt.Fprintf(w, "%s_count{%s} %d\n", name, labels, n)
}

func classLabels(m engine.ClassMetrics) string {
	return "class=" + quote(m.Class) + ",kind=" + quote(string(m.Kind))
}

// kinds returns every kind of the catalog, then the others counted.
func kinds(counted map[report.Kind]int) []report.Kind {
	var out []report.Kind
	known := make(map[report.Kind]bool)
	for _, i := range report.Catalog() {
		out = append(out, i.Kind)
		known[i.Kind] = true
	}
	n := len(out)
	for k := range counted {
		if !known[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out[n:])
	return out
}

// quote quotes a label value: backslash, double quote and line feed are
// escaped, and bytes that are not UTF-8 replaced (the format is UTF-8).
func quote(s string) string {
	return `"` + labelEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD")) + `"`
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}
