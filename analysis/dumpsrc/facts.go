package dumpsrc

import (
	"go/types"
	"os"
	"reflect"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
)

// factStore keeps the facts of the packages analyzed, for the packages
// that import them.
type factStore struct {
	obj map[types.Object]analysis.Fact
	pkg map[*types.Package]analysis.Fact
}

func newFactStore() *factStore {
	return &factStore{obj: map[types.Object]analysis.Fact{}, pkg: map[*types.Package]analysis.Fact{}}
}

func copyFact(dst, src analysis.Fact) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}

// pass returns the analysis pass of package q.
func (s *factStore) pass(q *packages.Package) *analysis.Pass {
	return &analysis.Pass{
		Analyzer:   locks.Analyzer,
		Fset:       q.Fset,
		Files:      q.Syntax,
		Pkg:        q.Types,
		TypesInfo:  q.TypesInfo,
		TypesSizes: q.TypesSizes,
		ResultOf:   map[*analysis.Analyzer]any{},
		Report:     func(analysis.Diagnostic) {},
		ReadFile:   os.ReadFile,
		ImportObjectFact: func(obj types.Object, fact analysis.Fact) bool {
			f, ok := s.obj[obj]
			if ok && reflect.TypeOf(f) == reflect.TypeOf(fact) {
				copyFact(fact, f)
				return true
			}
			return false
		},
		ExportObjectFact: func(obj types.Object, fact analysis.Fact) { s.obj[obj] = fact },
		ImportPackageFact: func(p *types.Package, fact analysis.Fact) bool {
			f, ok := s.pkg[p]
			if ok && reflect.TypeOf(f) == reflect.TypeOf(fact) {
				copyFact(fact, f)
				return true
			}
			return false
		},
		ExportPackageFact: func(fact analysis.Fact) { s.pkg[q.Types] = fact },
		AllObjectFacts: func() []analysis.ObjectFact {
			var out []analysis.ObjectFact
			for o, f := range s.obj {
				out = append(out, analysis.ObjectFact{Object: o, Fact: f})
			}
			return out
		},
		AllPackageFacts: func() []analysis.PackageFact {
			var out []analysis.PackageFact
			for p, f := range s.pkg {
				out = append(out, analysis.PackageFact{Package: p, Fact: f})
			}
			return out
		},
	}
}
