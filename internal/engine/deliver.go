package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/gridlock-go/gridlock/report"
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
		if o.Output != nil {
			o.Output.Write([]byte(report.Text(f)))
		}
		if o.ReportPath != "" {
			appendJSONLine(o.ReportPath, f)
		}
		if o.OnFinding != nil {
			o.OnFinding(f)
		}
		if o.Level == LevelStrict && strict == nil {
			strict = f
		}
	}
	if strict != nil {
		panic(&FindingError{strict})
	}
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
