package lockblock

import (
	_ "embed"
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/report"
)

// Analyzer reports locks held across blocking operations.
var Analyzer = &analysis.Analyzer{
	Name:     "lockblock",
	Doc:      "report a lock held across a blocking operation (channel, select, WaitGroup.Wait, sleep, I/O, or a call that may block)",
	URL:      report.LockHeldAcrossBlocking.Doc(),
	Requires: []*analysis.Analyzer{locks.Analyzer},
	Run:      run,
}

const kind = report.LockHeldAcrossBlocking

func run(pass *analysis.Pass) (any, error) {
	r := pass.ResultOf[locks.Analyzer].(*locks.Result)
	for _, fn := range r.Funcs {
		r.Visit(fn, func(ins ssa.Instruction, s *locks.State) {
			if len(s.Held) == 0 {
				return
			}
			b := r.Blocking(fn, ins)
			if b == nil {
				return
			}
			if sel, ok := ins.(*ssa.Select); ok {
				if _, trap := r.SelectTrap(fn, sel, s); trap {
					return // selectlock reports it
				}
			}
			held := locks.HeldAcross(b, r.HeldDuring(fn, ins, s))
			if len(held) == 0 {
				return
			}
			var names []string
			for _, h := range held {
				names = append(names, h.Name)
			}
			who := strings.Join(names, " and ")
			var msg string
			if len(b.Chain) == 0 {
				msg = fmt.Sprintf("%s held while the goroutine %s", who, b.What)
			} else {
				msg = fmt.Sprintf("%s held across a call that may block: %s", who, b)
			}
			d := analysis.Diagnostic{Pos: r.Start(ins.Pos()), Message: msg}
			for _, h := range held {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: r.Start(h.Pos), Message: h.Name + " locked here"})
			}
			r.Report(pass, kind, d)
		})
	}
	r.ReportUnused(pass, kind)
	return nil, nil
}
