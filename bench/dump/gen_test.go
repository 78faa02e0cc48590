package dump

import (
	"testing"

	gdump "github.com/gridlock-go/gridlock/dump"
)

func TestGenerate(t *testing.T) {
	b := Generate(1000)
	d, err := gdump.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Goroutines) != 1000 || d.Warning != "" {
		t.Fatalf("parsed %d goroutines (warning %q), want 1000", len(d.Goroutines), d.Warning)
	}
	if len(d.Stacks) != 5 {
		t.Errorf("%d distinct stacks, want 5", len(d.Stacks))
	}
}
