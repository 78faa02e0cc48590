package sched

import (
	"slices"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	for _, tok := range []Token{
		{Strategy: PCT, Seed: 1, Depth: 3, Steps: 100},
		{Strategy: Random, Seed: 1<<63 + 5, Depth: 1},
		{Strategy: DFS, Depth: 2, Choices: []int{0, 1, 0, 3, 0, 0, 1}},
	} {
		s := tok.String()
		got, err := ParseToken(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got.Strategy != tok.Strategy || got.Seed != tok.Seed || got.Depth != tok.Depth || got.Steps != tok.Steps || !slices.Equal(got.Choices, tok.Choices) {
			t.Errorf("%+v → %s → %+v", tok, s, got)
		}
	}
}

func TestParseTokenErrors(t *testing.T) {
	for _, s := range []string{"", "!!", "AQ", "CQEB", Token{Strategy: PCT}.String() + "AA"} {
		if _, err := ParseToken(s); err == nil {
			t.Errorf("ParseToken(%q): no error", s)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(Token{Strategy: PCT, Seed: 7, Depth: 3, Steps: 40}.String())
	f.Add(Token{Strategy: DFS, Depth: 2, Choices: []int{1, 0, 2}}.String())
	f.Add("AQGpr7H65rXbzW8DZAA")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			return
		}
		again, err := ParseToken(tok.String())
		if err != nil || again.String() != tok.String() {
			t.Fatalf("%q → %+v does not round-trip: %v", s, tok, err)
		}
	})
}

func TestNextDFS(t *testing.T) {
	// Two steps of two options each, no preemption involved: four
	// schedules, then exhausted.
	trace := []choice{{pick: 0, n: 2}, {pick: 0, n: 2}}
	var seen [][]int
	for {
		var picks []int
		for _, c := range trace {
			picks = append(picks, c.pick)
		}
		seen = append(seen, picks)
		next, ok := nextDFS(trace, 1)
		if !ok {
			break
		}
		trace = nil
		for i := range 2 {
			p := 0
			if i < len(next) {
				p = next[i]
			}
			trace = append(trace, choice{pick: p, n: 2})
		}
	}
	if len(seen) != 4 {
		t.Errorf("schedules %v, want 4", seen)
	}
	// A preemption bound of 0 allows no preempting choice.
	if _, ok := nextDFS([]choice{{pick: 0, n: 3, preempt: true}}, 0); ok {
		t.Error("a preemption passed a bound of 0")
	}
}
