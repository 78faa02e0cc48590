package main

import (
	"os"
	"testing"
)

// TestScenario runs the scenario named by $SCENARIO and waits forever, so
// that go test -timeout ends it with a timeout panic and a dump.
func TestScenario(t *testing.T) {
	run, ok := scenarios[os.Getenv("SCENARIO")]
	if !ok {
		t.Skip("SCENARIO not set")
	}
	run()
	block()
}
