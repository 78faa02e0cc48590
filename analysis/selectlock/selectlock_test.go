package selectlock_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gridlock-go/gridlock/analysis/selectlock"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), selectlock.Analyzer, "a", "b")
}
