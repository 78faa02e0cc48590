package relock_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gridlock-go/gridlock/analysis/relock"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), relock.Analyzer, "a", "b")
}
