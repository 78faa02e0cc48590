// Package passes lists gridlock's analyzers, for the drivers that run them
// all: gridlock vet, cmd/gridlock-vet and the golangci-lint plugin.
package passes

import (
	"golang.org/x/tools/go/analysis"

	"github.com/gridlock-go/gridlock/analysis/lockblock"
	"github.com/gridlock-go/gridlock/analysis/lockleak"
	"github.com/gridlock-go/gridlock/analysis/lockorder"
	"github.com/gridlock-go/gridlock/analysis/relock"
	"github.com/gridlock-go/gridlock/analysis/selectlock"
)

// All returns gridlock's analyzers, in a fixed order.
func All() []*analysis.Analyzer {
	return []*analysis.Analyzer{
		lockblock.Analyzer,
		lockorder.Analyzer,
		relock.Analyzer,
		lockleak.Analyzer,
		selectlock.Analyzer,
	}
}
