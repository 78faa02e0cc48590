package lockleak_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gridlock-go/gridlock/analysis/lockleak"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), lockleak.Analyzer, "a", "b")
}
