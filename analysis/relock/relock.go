package relock

import (
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/report"
)

// Analyzer reports recursive locking.
var Analyzer = &analysis.Analyzer{
	Name:     "relock",
	Doc:      "report a lock taken again, directly or through calls, by the goroutine that holds it",
	URL:      report.RecursiveLock.Doc(),
	Requires: []*analysis.Analyzer{locks.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	r := pass.ResultOf[locks.Analyzer].(*locks.Result)
	for _, fn := range r.Funcs {
		r.Visit(fn, func(ins ssa.Instruction, s *locks.State) {
			if len(s.Held) == 0 || feedsSelect(ins) {
				return
			}
			held := &locks.State{Held: r.HeldDuring(fn, ins, s)}
			for _, acq := range r.Acquisitions(fn, ins) {
				if acq.Try || acq.Cond {
					continue
				}
				h, ok := held.Find(acq.Key)
				if !ok {
					continue
				}
				k := report.RecursiveLock
				mode := "locks"
				if acq.Read && h.Read {
					k = report.RecursiveRLock
					mode = "read-locks"
				}
				how := "read-locked"
				if !h.Read {
					how = "locked"
				}
				var msg string
				if len(acq.Chain) == 0 {
					msg = fmt.Sprintf("%s %s again while it is already %s", verbSubject(mode), h.Name, how)
				} else {
					msg = fmt.Sprintf("call %s %s, already %s: %s → %s at %s",
						mode, h.Name, how, strings.Join(acq.Chain, " → "), opName(acq.Read), acq.At)
				}
				d := analysis.Diagnostic{
					Pos:     r.Start(ins.Pos()),
					Message: msg,
					Related: []analysis.RelatedInformation{{Pos: r.Start(h.Pos), Message: h.Name + " " + how + " here"}},
				}
				r.Report(pass, k, d)
				return
			}
		})
	}
	r.ReportUnused(pass, report.RecursiveLock, report.RecursiveRLock)
	return nil, nil
}

func verbSubject(mode string) string {
	if mode == "read-locks" {
		return "read-locking"
	}
	return "locking"
}

func opName(read bool) string {
	if read {
		return "RLock"
	}
	return "Lock"
}

// feedsSelect reports whether ins is a call whose result is the channel of
// a select case: selectlock reports those.
func feedsSelect(ins ssa.Instruction) bool {
	call, ok := ins.(*ssa.Call)
	if !ok || call.Referrers() == nil {
		return false
	}
	for _, u := range *call.Referrers() {
		if sel, ok := u.(*ssa.Select); ok && sel.Blocking {
			for _, st := range sel.States {
				if st.Chan == ssa.Value(call) {
					return true
				}
			}
		}
	}
	return false
}
