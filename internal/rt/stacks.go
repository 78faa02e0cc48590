package rt

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
)

// Frame is a frame of a goroutine stack in a dump.
type Frame struct {
	Func string
	File string
	Line int
}

// Goroutine is a goroutine of a dump of all goroutines.
type Goroutine struct {
	ID     int64
	Status string // e.g. "running", "sync.Mutex.Lock, 2 minutes"
	Frames []Frame
	// CreatedBy is the go statement that started the goroutine (its Func
	// is the function that ran it), and Creator the id of the goroutine
	// that ran it, when the dump says.
	CreatedBy *Frame
	Creator   int64
}

// AllStacks returns the stacks of every goroutine, keyed by id, from
// runtime.Stack. It stops the world for the duration of the dump; call it
// only when a finding is being built.
func AllStacks() map[int64]*Goroutine {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return ParseStacks(buf)
}

// ParseStacks parses the output of runtime.Stack. It reads what it can of
// malformed input and never fails.
func ParseStacks(b []byte) map[int64]*Goroutine {
	out := make(map[int64]*Goroutine)
	var cur *Goroutine
	var fn string
	created := false // the next position line is the creator's
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		switch {
		case bytes.HasPrefix(line, []byte("goroutine ")):
			rest := line[len("goroutine "):]
			sp := bytes.IndexByte(rest, ' ')
			if sp < 0 {
				cur = nil
				continue
			}
			id, err := strconv.ParseInt(string(rest[:sp]), 10, 64)
			if err != nil {
				cur = nil
				continue
			}
			status := rest[sp+1:]
			status = bytes.TrimSuffix(status, []byte(":"))
			status = bytes.TrimPrefix(status, []byte("["))
			status = bytes.TrimSuffix(status, []byte("]"))
			cur = &Goroutine{ID: id, Status: string(status)}
			out[id] = cur
			fn, created = "", false
		case cur == nil || len(line) == 0:
			fn, created = "", false
		case line[0] == '\t':
			if fn == "" {
				continue
			}
			if created {
				created = false
				fr := parsePos(fn, line)
				cur.CreatedBy = &fr
				fn = ""
				continue
			}
			cur.Frames = append(cur.Frames, parsePos(fn, line))
			fn = ""
		case bytes.HasPrefix(line, []byte("created by ")):
			// "created by pkg.f in goroutine 7": not a frame of this
			// goroutine, but where it was started.
			rest := string(line[len("created by "):])
			if f, g, ok := strings.Cut(rest, " in goroutine "); ok {
				rest = f
				cur.Creator, _ = strconv.ParseInt(g, 10, 64)
			}
			fn, created = rest, true
		default:
			f := line
			if i := bytes.LastIndexByte(f, '('); i > 0 {
				f = f[:i]
			}
			fn = string(f)
		}
	}
	return out
}

// parsePos parses a position line ("\t/path/file.go:12 +0x1d") of fn.
func parsePos(fn string, line []byte) Frame {
	pos := bytes.TrimSpace(line)
	if i := bytes.LastIndex(pos, []byte(" +0x")); i >= 0 {
		pos = pos[:i]
	}
	file, lineNo := pos, 0
	if i := bytes.LastIndexByte(pos, ':'); i >= 0 {
		if n, err := strconv.Atoi(string(pos[i+1:])); err == nil {
			file, lineNo = pos[:i], n
		}
	}
	return Frame{Func: fn, File: string(file), Line: lineNo}
}
