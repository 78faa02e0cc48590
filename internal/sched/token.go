package sched

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Strategy names a way of choosing the goroutine that runs next.
type Strategy uint8

// The strategies.
const (
	// PCT is probabilistic concurrency testing (Burckhardt et al., ASPLOS
	// 2010): goroutines run by random distinct priorities, and at Depth-1
	// random steps the running goroutine drops to the lowest priority. A
	// bug of depth d is found by one schedule with probability at least
	// 1/(n·k^(d-1)) for n goroutines and k steps.
	PCT Strategy = iota + 1
	// Random picks a runnable goroutine uniformly at every step.
	Random
	// DFS enumerates the schedules with at most Depth preemptions, in
	// depth-first order (loom's bound).
	DFS
)

func (s Strategy) String() string {
	switch s {
	case PCT:
		return "pct"
	case Random:
		return "random"
	case DFS:
		return "dfs"
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// ParseStrategy parses "pct", "random" or "dfs".
func ParseStrategy(s string) (Strategy, error) {
	switch s {
	case "pct", "":
		return PCT, nil
	case "random":
		return Random, nil
	case "dfs":
		return DFS, nil
	}
	return 0, fmt.Errorf("unknown strategy %q: want pct, random or dfs", s)
}

// A Token is one schedule, reproducible: the strategy, its seed and depth,
// PCT's step bound, and for DFS the choices made at each step.
type Token struct {
	Strategy Strategy
	Seed     uint64
	Depth    int
	Steps    int   // PCT: the number of steps the change points are drawn from
	Choices  []int // DFS: the index chosen at each step; 0 after the last
}

const tokenVersion = 1

// String encodes t compactly: base64 (URL alphabet, no padding) of a blob
// of varints.
func (t Token) String() string {
	b := []byte{tokenVersion, byte(t.Strategy)}
	b = binary.AppendUvarint(b, t.Seed)
	b = binary.AppendUvarint(b, uint64(t.Depth))
	b = binary.AppendUvarint(b, uint64(t.Steps))
	b = binary.AppendUvarint(b, uint64(len(t.Choices)))
	for _, c := range t.Choices {
		b = binary.AppendUvarint(b, uint64(c))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken decodes a token made by Token.String.
func ParseToken(s string) (Token, error) {
	var t Token
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, fmt.Errorf("bad replay token %q: %v", s, err)
	}
	bad := func(what string) (Token, error) {
		return Token{}, fmt.Errorf("bad replay token %q: %s", s, what)
	}
	if len(b) < 2 || b[0] != tokenVersion {
		return bad("unknown version")
	}
	t.Strategy = Strategy(b[1])
	if t.Strategy < PCT || t.Strategy > DFS {
		return bad("unknown strategy")
	}
	b = b[2:]
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errors.New("truncated")
		}
		b = b[n:]
		return v, nil
	}
	var vals [4]uint64
	for i := range vals {
		v, err := next()
		if err != nil {
			return bad(err.Error())
		}
		vals[i] = v
	}
	if vals[1] > 1<<16 || vals[2] > 1<<40 || vals[3] > uint64(len(b)) {
		return bad("out of range")
	}
	t.Seed, t.Depth, t.Steps = vals[0], int(vals[1]), int(vals[2])
	if vals[3] > 0 {
		t.Choices = make([]int, vals[3])
	}
	for i := range t.Choices {
		v, err := next()
		if err != nil || v > 1<<20 {
			return bad("bad choice")
		}
		t.Choices[i] = int(v)
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return t, nil
}
