package selectlock

import (
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/report"
)

// Analyzer reports a select whose cases need a lock the goroutine holds.
var Analyzer = &analysis.Analyzer{
	Name:     "selectlock",
	Doc:      "report a select whose blocking cases need a lock the goroutine holds",
	URL:      report.SelectSameLock.Doc(),
	Requires: []*analysis.Analyzer{locks.Analyzer},
	Run:      run,
}

const kind = report.SelectSameLock

func run(pass *analysis.Pass) (any, error) {
	r := pass.ResultOf[locks.Analyzer].(*locks.Result)
	for _, fn := range r.Funcs {
		r.Visit(fn, func(ins ssa.Instruction, s *locks.State) {
			sel, ok := ins.(*ssa.Select)
			if !ok {
				return
			}
			trap, ok := r.SelectTrap(fn, sel, s)
			if !ok {
				return
			}
			r.Report(pass, kind, analysis.Diagnostic{Pos: sel.Pos(), Message: trap.Msg, Related: trap.Related})
		})
	}
	r.ReportUnused(pass, kind)
	return nil, nil
}
