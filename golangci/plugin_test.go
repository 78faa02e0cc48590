package golangci

import "testing"

func TestPlugin(t *testing.T) {
	p, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 5 {
		t.Errorf("BuildAnalyzers() returned %d analyzers, want 5", len(as))
	}
	if m := p.GetLoadMode(); m != "typesinfo" {
		t.Errorf("GetLoadMode() = %q, want typesinfo", m)
	}
}
