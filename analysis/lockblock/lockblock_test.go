package lockblock_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gridlock-go/gridlock/analysis/lockblock"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "a", "b")
}
