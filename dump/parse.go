package dump

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// MaxLine is the longest line Parse reads whole; the rest of a longer line
// is skipped with a warning.
const MaxLine = 64 << 20

// ErrNoGoroutines is returned, wrapped, by Parse when the input has neither
// a goroutine nor a gridlock snapshot.
var ErrNoGoroutines = errors.New("no goroutine dump found")

// Parse reads a goroutine dump from r. Lines that are not part of a dump
// are skipped, so a whole log file can be given; a prefix before each line
// of the dump (a timestamp, a container name) is removed. A malformed or
// truncated dump yields the goroutines that could be read and a warning in
// Dump.Warning. Parse fails only when reading r fails, or when it finds no
// goroutine and no snapshot at all (ErrNoGoroutines).
func Parse(r io.Reader) (*Dump, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if first, err := firstByte(br); err == nil && first == '{' {
		// A JSON snapshot alone, as json.Marshal(gridlock.Snapshot())
		// writes it, indented or not.
		var g waitgraph.Graph
		if err := json.NewDecoder(br).Decode(&g); err != nil {
			return &Dump{}, fmt.Errorf("reading a gridlock snapshot: %w", err)
		}
		return &Dump{Format: Snapshot, Snapshot: &g}, nil
	}
	p := newParser()
	err := p.run(br)
	d := p.finish()
	if err != nil {
		return d, fmt.Errorf("reading dump: %w", err)
	}
	if len(d.Goroutines) == 0 && d.Snapshot == nil && d.Format != Profile && d.Format != LeakReport {
		// (A profile may be empty: "goroutineleak profile: total 0".)
		if d.Warning != "" {
			return d, fmt.Errorf("%w (%s)", ErrNoGoroutines, d.Warning)
		}
		return d, ErrNoGoroutines
	}
	return d, nil
}

// ParseBytes is Parse on an in-memory dump.
func ParseBytes(b []byte) (*Dump, error) { return Parse(bytes.NewReader(b)) }

type mode int

const (
	modeNone    mode = iota
	modeTrace        // in a goroutine of a traceback
	modeAncest       // in an "[originating from goroutine N]" block
	modeProfile      // in a record of a counted profile
)

type parser struct {
	d    *Dump
	line int

	// prefix handling
	prefix  []byte // the text before "goroutine" on the last header line
	pfields int    // its number of space-separated fields

	mode      mode
	g         Goroutine
	nframes   int
	crt       []byte // the "created by" frame, encoded as in key
	hasFn     bool   // fn waits for its position line
	refBuf    []uint64
	refArena  []uint64
	argBuf    []Arg
	fn        []byte // a function line waiting for its position line
	fnArgs    []byte
	fnIsCrt   bool // fn is a "created by" line
	parked    bool
	inTests   bool
	wantSnap  bool
	pcs       []byte // the PC list of a profile record
	parkedSet bool
	inProfile bool      // after a "goroutine profile: total N" line
	seen1     bool      // goroutine 1 was read in the current dump
	addrs     waitAddrs // addresses seen in the current goroutine's frames

	strs   map[string]string
	stacks map[string]int
	key    []byte
}

func newParser() *parser {
	return &parser{
		d:      &Dump{},
		strs:   make(map[string]string),
		stacks: make(map[string]int),
	}
}

// firstByte returns the first byte of br that is not white space, without
// consuming it.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return 0, err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			if n >= 4096 {
				return c, nil
			}
			continue
		default:
			return c, nil
		}
	}
}

func (p *parser) run(br *bufio.Reader) error {
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line := chunk
		if err == bufio.ErrBufferFull {
			if len(long)+len(chunk) <= MaxLine {
				long = append(long, chunk...)
			} else if len(long) <= MaxLine {
				long = append(long, '\n') // mark as overlong
				long = long[:MaxLine+1]
			}
			continue
		}
		if long != nil {
			if len(long) > MaxLine {
				p.line++
				p.bad("line too long")
				long = nil
				if err != nil {
					break
				}
				continue
			}
			line = append(long, chunk...)
			long = nil
		}
		if len(line) > 0 {
			p.line++
			p.feed(trimEOL(line))
		}
		if err != nil {
			if err == io.EOF {
				if len(line) > 0 && line[len(line)-1] != '\n' && p.mode != modeNone {
					p.bad("the dump ends in the middle of a line: truncated")
				}
				return nil
			}
			return err
		}
	}
	return nil
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

var (
	bGoroutine = []byte("goroutine ")
	bProfile   = []byte(" profile: total ")
)

// feed handles one line, without its end-of-line.
func (p *parser) feed(line []byte) {
	if p.wantSnap {
		p.wantSnap = false
		if i := bytes.IndexByte(line, '{'); i >= 0 {
			p.snapshot(line[i:])
			return
		}
	}
	if p.mode == modeTrace {
		// Fast path inside a goroutine: a frame, or a header right after.
		if rest, ok := p.strip(line); ok && len(rest) > 0 {
			if rest[0] == '\t' {
				p.position(rest[1:])
				return
			}
			if rest[0] != 'g' || !bytes.HasPrefix(rest, bGoroutine) {
				p.traceLine(rest, line)
				return
			}
		}
	}
	if i := bytes.Index(line, bGoroutine); i >= 0 {
		if p.header(line, i) {
			return
		}
	}
	if i := bytes.Index(line, bProfile); i >= 0 {
		if p.profileHeader(line, i) {
			return
		}
	}
	rest, ok := p.strip(line)
	if !ok {
		p.outside(line)
		return
	}
	switch p.mode {
	case modeTrace, modeAncest:
		p.traceLine(rest, line)
	case modeProfile:
		p.profileLine(rest, line)
	default:
		if p.inProfile {
			p.profileLine(rest, line)
			return
		}
		p.outside(line)
	}
}

// strip removes the current line prefix: the same bytes, or as many
// space-separated fields (timestamps vary in width).
func (p *parser) strip(line []byte) ([]byte, bool) {
	if len(p.prefix) == 0 {
		return line, true
	}
	if bytes.HasPrefix(line, p.prefix) {
		return line[len(p.prefix):], true
	}
	rest := line
	for range p.pfields {
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			return nil, false
		}
		rest = rest[i+1:]
		for len(rest) > 0 && rest[0] == ' ' && p.prefix[len(p.prefix)-1] == ' ' && len(rest) > 1 && rest[1] == ' ' {
			rest = rest[1:]
		}
	}
	return rest, true
}

func countFields(b []byte) int {
	n := 0
	in := false
	for _, c := range b {
		if c == ' ' {
			in = false
			continue
		}
		if !in {
			n++
			in = true
		}
	}
	return n
}

func (p *parser) setPrefix(pre []byte) {
	if bytes.Equal(pre, p.prefix) {
		return
	}
	p.prefix = append(p.prefix[:0], pre...)
	p.pfields = countFields(pre)
	if len(pre) > 0 && pre[len(pre)-1] != ' ' && pre[len(pre)-1] != '\t' {
		// "app|goroutine 1": no separator; strip by bytes only.
		p.pfields = 0
	}
}

// outside handles a line that is not part of a goroutine: the reason of the
// dump, the running tests of a test timeout, a snapshot marker.
func (p *parser) outside(line []byte) {
	p.endGoroutine()
	t := bytes.TrimSpace(line)
	if len(t) == 0 {
		return
	}
	if p.inTests {
		if t2 := bytes.TrimSpace(line); len(line) > 0 && (bytes.Contains(line, []byte("\t\t")) || bytes.HasPrefix(line, []byte("  "))) {
			if i := bytes.LastIndexByte(t2, ' '); i > 0 {
				t2 = t2[:i]
			}
			p.d.Tests = append(p.d.Tests, string(t2))
			return
		}
		p.inTests = false
	}
	if i := bytes.Index(t, []byte("gridlock snapshot")); i >= 0 {
		p.wantSnap = true
		return
	}
	if t[0] == '{' && bytes.Contains(t, []byte(`"goroutines"`)) {
		p.snapshot(t)
		return
	}
	for _, k := range reasonMarks {
		if i := bytes.Index(t, k); i >= 0 && (i == 0 || t[i-1] == ' ' || t[i-1] == ']' || t[i-1] == '|') {
			if len(p.d.Goroutines) > 0 {
				p.nextDump() // a second dump in the same input
			}
			if p.d.Reason == "" {
				p.d.Reason = string(t[i:])
			}
			break
		}
	}
	if bytes.HasSuffix(t, []byte("running tests:")) {
		p.inTests = true
	}
}

var reasonMarks = [][]byte{
	[]byte("panic: "), []byte("fatal error: "), []byte("SIGQUIT: "), []byte("SIGABRT: "),
	[]byte("SIGSEGV: "), []byte("SIGTRAP: "), []byte("SIGBUS: "), []byte("fatal: "),
}

func (p *parser) snapshot(b []byte) {
	var g waitgraph.Graph
	if err := json.Unmarshal(b, &g); err != nil {
		p.bad("unreadable gridlock snapshot: " + err.Error())
		return
	}
	if p.d.Snapshot == nil {
		p.d.Snapshot = &g
	} else {
		p.d.Snapshot.Goroutines = append(p.d.Snapshot.Goroutines, g.Goroutines...)
		p.d.Snapshot.Resources = append(p.d.Snapshot.Resources, g.Resources...)
		p.d.Snapshot.Orders = append(p.d.Snapshot.Orders, g.Orders...)
	}
}

func (p *parser) bad(what string) {
	p.d.warn(fmt.Sprintf("line %d: %s", p.line, what))
}

// header recognizes "goroutine N [status]:" at line[i:], with the optional
// "gp=... m=... mp=..." of GOTRACEBACK=system and a prefix before it.
func (p *parser) header(line []byte, i int) bool {
	h := line[i+len(bGoroutine):]
	j := 0
	for j < len(h) && h[j] >= '0' && h[j] <= '9' {
		j++
	}
	if j == 0 || j >= len(h) || h[j] != ' ' || j > 19 {
		return false
	}
	open := bytes.IndexByte(h[j:], '[')
	if open < 0 {
		return false
	}
	open += j
	end := bytes.LastIndex(h, []byte("]:"))
	if end < open {
		// A header cut short: keep what is there.
		end = len(h)
		if !bytes.HasSuffix(h, []byte("]")) {
			p.bad("truncated goroutine header")
		} else {
			end--
		}
	}
	id, err := strconv.ParseInt(string(h[:j]), 10, 64)
	if err != nil {
		return false
	}
	p.endGoroutine()
	if id == 1 {
		if p.seen1 {
			// Goroutine 1 again: a second dump. runtime.Stack prints the
			// goroutine that asked first, running: it belongs to the new
			// dump.
			var carry []Goroutine
			if n := len(p.d.Goroutines); n > 1 && p.d.Goroutines[n-1].Status == "running" {
				carry = append(carry, p.d.Goroutines[n-1])
				p.d.Goroutines = p.d.Goroutines[:n-1]
			}
			p.nextDump()
			p.d.Goroutines = append(p.d.Goroutines, carry...)
			if len(carry) > 0 {
				p.d.Format = Traceback
			}
		}
		p.seen1 = true
	}
	if i > 0 && !bytes.HasSuffix(line[:i], []byte(" ")) && !bytes.HasSuffix(line[:i], []byte("\t")) &&
		!bytes.HasSuffix(line[:i], []byte("|")) && !bytes.HasSuffix(line[:i], []byte(":")) {
		// "xgoroutine 1 [": not a header after all; treat as text.
		return false
	}
	p.setPrefix(line[:i])
	if p.d.Format == "" {
		p.d.Format = Traceback
	}
	p.mode = modeTrace
	p.inProfile = false
	p.g = Goroutine{ID: id, Count: 1}
	p.status(h[open+1 : end])
	return true
}

// status parses what is between the brackets of a header.
func (p *parser) status(s []byte) {
	if k := bytes.Index(s, []byte("labels:{")); k >= 0 {
		lab := s[k+len("labels:{"):]
		if e := bytes.LastIndexByte(lab, '}'); e >= 0 {
			lab = lab[:e]
		}
		p.g.Labels = string(lab)
		s = bytes.TrimRight(s[:k], ", ")
	}
	first := true
	for len(s) > 0 {
		var part []byte
		if c := bytes.Index(s, []byte(", ")); c >= 0 {
			part, s = s[:c], s[c+2:]
		} else {
			part, s = s, nil
		}
		if first {
			first = false
			for _, mark := range [][]byte{[]byte(" (leaked)"), []byte(" (scan)"), []byte(" (durable)")} {
				if bytes.Contains(part, mark) {
					if mark[2] == 'l' {
						p.g.Leaked = true
					}
					part = bytes.Replace(part, mark, nil, 1)
				}
			}
			p.g.Status = p.intern(part)
			continue
		}
		switch {
		case bytes.HasSuffix(part, []byte(" minutes")):
			if n, err := strconv.Atoi(string(bytes.TrimSuffix(part, []byte(" minutes")))); err == nil && n >= 0 && n < 1<<30 {
				p.g.Waited = time.Duration(n) * time.Minute
			}
		case bytes.Equal(part, []byte("locked to thread")):
			p.g.LockedToThread = true
		}
	}
}

// profileHeader recognizes "goroutine profile: total N" and
// "goroutineleak profile: total N".
func (p *parser) profileHeader(line []byte, i int) bool {
	start := bytes.LastIndexByte(line[:i], ' ') + 1
	name := line[start:i]
	var f Format
	switch string(name) {
	case "goroutine":
		f = Profile
	case "goroutineleak":
		f = LeakReport
	default:
		return false
	}
	p.endGoroutine()
	if len(p.d.Goroutines) > 0 {
		p.nextDump()
	}
	p.setPrefix(line[:start])
	if p.d.Format == "" || p.d.Format == Snapshot {
		p.d.Format = f
	}
	p.mode = modeNone
	p.inProfile = true
	return true
}

// traceLine handles a line inside a goroutine of a traceback.
func (p *parser) traceLine(rest, raw []byte) {
	if len(rest) == 0 {
		p.endGoroutine()
		return
	}
	if rest[0] == '\t' {
		p.position(rest[1:])
		return
	}
	if p.hasFn {
		// A function line not followed by its position: the dump is
		// malformed here; keep the frame without a position.
		p.pushFrame(nil)
	}
	switch {
	case bytes.HasPrefix(rest, []byte("created by ")):
		c := rest[len("created by "):]
		if k := bytes.Index(c, []byte(" in goroutine ")); k >= 0 {
			if id, err := strconv.ParseInt(string(c[k+len(" in goroutine "):]), 10, 64); err == nil {
				p.g.Creator = id
			}
			c = c[:k]
		}
		p.fn, p.fnArgs, p.fnIsCrt, p.hasFn = append(p.fn[:0], c...), p.fnArgs[:0], true, true
	case bytes.HasPrefix(rest, []byte("[originating from goroutine ")):
		n := bytes.TrimSuffix(rest[len("[originating from goroutine "):], []byte("]:"))
		if id, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			p.g.Ancestors = append(p.g.Ancestors, id)
		}
		p.mode = modeAncest
	case bytes.HasPrefix(rest, []byte("...")):
		if bytes.HasSuffix(rest, []byte("frames elided...")) {
			n := bytes.TrimSuffix(bytes.TrimPrefix(rest, []byte("...")), []byte(" frames elided..."))
			if k, err := strconv.Atoi(string(n)); err == nil {
				p.g.Elided += k
			} else if p.g.Elided == 0 {
				p.g.Elided = -1
			}
		}
	case bytes.HasPrefix(rest, []byte("goroutine running on other thread")):
		// No stack: nothing to add.
	default:
		if rest[len(rest)-1] != ')' {
			// Not a frame: a register of a SIGQUIT dump, or a line of
			// another writer in a log. Skip it.
			if isRegisterLine(rest) {
				p.endGoroutine()
			}
			return
		}
		open := matchOpen(rest)
		if open <= 0 {
			p.bad("unreadable frame")
			return
		}
		p.fn = append(p.fn[:0], rest[:open]...)
		p.fnArgs = append(p.fnArgs[:0], rest[open+1:len(rest)-1]...)
		p.fnIsCrt, p.hasFn = false, true
	}
}

// isRegisterLine reports lines like "rax    0xca" that follow a SIGQUIT dump.
func isRegisterLine(b []byte) bool {
	i := bytes.IndexByte(b, ' ')
	if i <= 0 || i > 6 {
		return false
	}
	v := bytes.TrimLeft(b[i:], " ")
	return bytes.HasPrefix(v, []byte("0x"))
}

// matchOpen returns the index of the '(' matching the final ')' of b.
func matchOpen(b []byte) int {
	depth := 0
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// position handles "\tfile:line +0x1f fp=... sp=... pc=...".
func (p *parser) position(b []byte) {
	if !p.hasFn {
		if p.mode == modeTrace && p.nframes == 0 && len(p.crt) == 0 {
			p.bad("position line without a function")
		}
		return
	}
	if k := bytes.Index(b, []byte(" +0x")); k >= 0 {
		b = b[:k]
	} else if k := bytes.Index(b, []byte(" fp=")); k >= 0 {
		b = b[:k]
	}
	p.pushFrame(b)
}

// splitPos splits "file:line" into the file and the line's digits.
func splitPos(b []byte) ([]byte, []byte) {
	if k := bytes.LastIndexByte(b, ':'); k > 0 {
		digits := b[k+1:]
		ok := len(digits) > 0 && len(digits) < 10
		for _, c := range digits {
			if c < '0' || c > '9' {
				ok = false
			}
		}
		if ok {
			return b[:k], digits
		}
	}
	return b, nil
}

// pushFrame adds the pending function, at position pos, to the key of the
// goroutine's stack. Frames are made into strings only for a stack not seen
// before (see internStack).
func (p *parser) pushFrame(pos []byte) {
	file, line := splitPos(pos)
	p.hasFn = false
	if p.mode == modeAncest {
		return
	}
	if p.fnIsCrt {
		p.crt = append(p.crt[:0], 2)
		p.crt = append(p.crt, p.fn...)
		p.crt = append(p.crt, 0)
		p.crt = append(p.crt, file...)
		p.crt = append(p.crt, 0)
		p.crt = append(p.crt, line...)
		return
	}
	if p.nframes >= maxFrames {
		p.g.Elided++
		return
	}
	p.nframes++
	p.key = append(p.key, p.fn...)
	p.key = append(p.key, 0)
	p.key = append(p.key, file...)
	p.key = append(p.key, 0)
	p.key = append(p.key, line...)
	p.key = append(p.key, 1)
	p.inspect(p.fn, p.fnArgs)
}

// maxFrames bounds the frames kept of one goroutine; the runtime prints at
// most 100, but a hostile input may not.
const maxFrames = 1024

// profileLine handles a line of a counted profile: "N @ 0x... 0x...",
// "#\t0x...\tfunc+0x1f\tfile:line", "# labels: {...}".
func (p *parser) profileLine(rest, raw []byte) {
	if len(rest) == 0 {
		p.endGoroutine()
		return
	}
	if rest[0] == '#' {
		if p.g.Count == 0 {
			return
		}
		if bytes.HasPrefix(rest, []byte("# labels: ")) {
			l := bytes.TrimSpace(rest[len("# labels: "):])
			l = bytes.TrimSuffix(bytes.TrimPrefix(l, []byte("{")), []byte("}"))
			p.g.Labels = string(l)
			return
		}
		f := bytes.Split(rest, []byte("\t"))
		var fields [][]byte
		for _, x := range f {
			if x = bytes.TrimSpace(x); len(x) > 0 {
				fields = append(fields, x)
			}
		}
		if len(fields) < 3 {
			p.bad("unreadable profile frame")
			return
		}
		fn := fields[2]
		if k := bytes.LastIndex(fn, []byte("+0x")); k > 0 {
			fn = fn[:k]
		}
		var pos []byte
		if len(fields) >= 4 {
			pos = fields[3]
		}
		if p.nframes == 0 && !p.parkedSet {
			p.parked = p.pcsBefore(fields[1])
			p.parkedSet = true
		}
		p.fn, p.fnArgs, p.fnIsCrt, p.hasFn = append(p.fn[:0], fn...), p.fnArgs[:0], false, true
		p.pushFrame(pos)
		return
	}
	at := bytes.Index(rest, []byte(" @ "))
	if at <= 0 {
		p.endGoroutine()
		p.inProfile = false
		p.outside(raw)
		return
	}
	n, err := strconv.Atoi(string(rest[:at]))
	if err != nil || n < 0 {
		p.bad("unreadable profile record")
		return
	}
	p.endGoroutine()
	p.mode = modeProfile
	p.g = Goroutine{Count: n}
	p.pcs = append(p.pcs[:0], rest[at+3:]...)
	p.parkedSet = false
}

// pcsBefore reports whether the record's PC list has PCs before pc, the
// first symbolized one: the runtime elides its own frames on top of a
// parked goroutine.
func (p *parser) pcsBefore(pc []byte) bool {
	// The listed PC is the return address; the symbolized one is one less.
	v, err := strconv.ParseUint(string(bytes.TrimPrefix(pc, []byte("0x"))), 16, 64)
	if err != nil {
		return false
	}
	first := p.pcs
	if k := bytes.IndexByte(first, ' '); k >= 0 {
		first = first[:k]
	}
	w, err := strconv.ParseUint(string(bytes.TrimPrefix(first, []byte("0x"))), 16, 64)
	if err != nil {
		return false
	}
	return w != v+1 && w != v
}

// endGoroutine stores the goroutine being read, if any.
func (p *parser) endGoroutine() {
	if p.hasFn {
		p.pushFrame(nil)
	}
	if p.mode == modeNone {
		return
	}
	if p.mode == modeProfile {
		p.mode = modeNone
		if p.nframes == 0 && p.g.Count == 0 {
			return
		}
	}
	p.mode = modeNone
	p.g.Stack = p.internStack()
	p.g.Addr = p.addrs.resolve(p.d.Stacks[p.g.Stack].Frames)
	if p.d.Format == Profile || p.d.Format == LeakReport {
		if p.g.ID == 0 && p.g.Status == "" {
			p.g.Status = inferStatus(p.d.Stacks[p.g.Stack])
		}
		if p.d.Format == LeakReport && p.g.ID == 0 {
			p.g.Leaked = true
		}
	}
	if p.g.Leaked && p.g.Status == "" {
		p.g.Status = "leaked"
	}
	if len(p.refBuf) > 0 {
		// Refs of all goroutines share chunks of memory.
		if cap(p.refArena)-len(p.refArena) < len(p.refBuf) {
			p.refArena = make([]uint64, 0, 1<<14)
		}
		start := len(p.refArena)
		p.refArena = append(p.refArena, p.refBuf...)
		p.g.Refs = p.refArena[start:len(p.refArena):len(p.refArena)]
		p.refBuf = p.refBuf[:0]
	}
	if n := len(p.d.Stacks[p.g.Stack].Frames); len(p.argBuf) > 0 {
		// (A malformed stack may have lost frames.)
		p.argBuf = slices.DeleteFunc(p.argBuf, func(a Arg) bool { return int(a.Frame) >= n })
	}
	if len(p.argBuf) > 0 && len(p.d.args) < 1<<(32-argChunkBits) {
		if n := len(p.d.args); n == 0 || len(p.d.args[n-1])+len(p.argBuf) > 1<<argChunkBits {
			var chunk []Arg
			if n > 0 {
				// A large dump: chunks whole from the start.
				chunk = make([]Arg, 0, 1<<argChunkBits)
			}
			p.d.args = append(p.d.args, chunk)
		}
		last := &p.d.args[len(p.d.args)-1]
		p.g.argOff = uint32(len(p.d.args)-1)<<argChunkBits | uint32(len(*last))
		p.g.argLen = uint32(len(p.argBuf))
		*last = append(*last, p.argBuf...)
	}
	p.argBuf = p.argBuf[:0]
	p.d.Goroutines = append(p.d.Goroutines, p.g)
	p.g = Goroutine{}
	p.key = p.key[:0]
	p.crt = p.crt[:0]
	p.nframes = 0
	p.parked = false
	p.addrs = waitAddrs{}
}

func (p *parser) internStack() int {
	if p.parked {
		p.key = append(p.key, 'P')
	}
	p.key = append(p.key, p.crt...)
	if i, ok := p.stacks[string(p.key)]; ok {
		return i
	}
	s := &Stack{Parked: p.parked}
	k := p.key
	for len(k) > 0 && k[0] != 2 && k[0] != 'P' {
		f, rest, ok := p.decodeFrame(k, 1)
		if !ok {
			break
		}
		s.Frames = append(s.Frames, f)
		k = rest
	}
	if i := bytes.IndexByte(k, 2); i >= 0 {
		if f, _, ok := p.decodeFrame(k[i+1:], 0xff); ok {
			s.CreatedBy = &f
		}
	}
	p.d.Stacks = append(p.d.Stacks, s)
	p.stacks[string(p.key)] = len(p.d.Stacks) - 1
	return len(p.d.Stacks) - 1
}

// decodeFrame reads "func\x00file\x00line" ended by end (or the key's end).
func (p *parser) decodeFrame(k []byte, end byte) (waitgraph.Frame, []byte, bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return waitgraph.Frame{}, nil, false
	}
	fn, k := k[:i], k[i+1:]
	j := bytes.IndexByte(k, 0)
	if j < 0 {
		return waitgraph.Frame{}, nil, false
	}
	file, k := k[:j], k[j+1:]
	e := bytes.IndexByte(k, end)
	if e < 0 {
		e = len(k)
	}
	line, _ := strconv.Atoi(string(k[:e]))
	if e < len(k) {
		k = k[e+1:]
	} else {
		k = nil
	}
	return waitgraph.Frame{Func: p.intern(fn), File: p.intern(file), Line: line}, k, true
}

func (p *parser) intern(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	if len(p.strs) > 1<<20 {
		// Bound the table on hostile input.
		return string(b)
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// nextDump starts a new dump in the same input (two SIGQUITs in one log,
// two goroutine?debug=2 one after the other): the last one is the one
// analyzed, and of the one before it keeps where each running goroutine
// was, which tells a loop from a goroutine that happened to be running.
func (p *parser) nextDump() {
	prev := make(map[int64]string)
	for i := range p.d.Goroutines {
		g := &p.d.Goroutines[i]
		if g.ID != 0 && (g.Status == "running" || g.Status == "runnable" || g.Status == "preempted") {
			prev[g.ID] = runningAt(p.d.Stacks[g.Stack])
		}
	}
	p.d.Previous = prev
	p.d.Dumps++
	p.d.Goroutines = p.d.Goroutines[:0:0]
	p.d.Reason, p.d.Tests = "", nil
	p.d.Format = ""
	p.seen1 = false
}

// runningAt names where a running goroutine is: its innermost frame of the
// program's code, as "func file:line".
func runningAt(s *Stack) string {
	f := userFrame(s)
	return fmt.Sprintf("%s %s:%d", f.Func, f.File, f.Line)
}

func (p *parser) finish() *Dump {
	p.endGoroutine()
	if p.d.Format == "" && p.d.Snapshot != nil {
		p.d.Format = Snapshot
	}
	if p.d.warnings > 1 {
		p.d.Warning += fmt.Sprintf(" (and %d more problems)", p.d.warnings-1)
	}
	return p.d
}
