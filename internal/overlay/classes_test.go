package overlay

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// lockSites returns the table LockClasses registered in a rewritten file,
// as "line kind key label inst off" lines with spaces, and the offset
// arguments.
func lockSites(t *testing.T, out string) ([]string, string) {
	t.Helper()
	m := regexp.MustCompile(`LockSites\("example.com/p", "x.go", ("(?:[^"\\]|\\.)*")(.*)\) }`).FindStringSubmatch(out)
	if m == nil {
		return nil, ""
	}
	table, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ln := range strings.Split(table, "\n") {
		lines = append(lines, strings.ReplaceAll(ln, "\t", " "))
	}
	return lines, strings.TrimPrefix(m[2], ", ")
}

func TestLockClasses(t *testing.T) {
	const decls = `
type Conn struct {
	n  int
	mu sync.Mutex
	rw sync.RWMutex
	p  *sync.Mutex
	stripes [4]sync.Mutex
}

type Embeds struct {
	sync.Mutex
}

type Outer struct {
	Embeds
}

type G[T any] struct {
	mu sync.Mutex
	v  T
}

var global sync.Mutex
var anon struct{ mu sync.Mutex }
`
	tests := []struct {
		name, params, body string
		want               []string // sites, "" fields elided
		offsets            string
	}{
		{"field", "c *Conn", "c.mu.Lock()", []string{"L m example.com/p.Conn.mu p.Conn.mu Conn.mu of *Conn #0"}, "unsafe.Offsetof((*Conn)(nil).mu)"},
		{"rwmutex read", "c *Conn", "c.rw.RLock()", []string{"L rw example.com/p.Conn.rw p.Conn.rw Conn.rw of *Conn #0"}, "unsafe.Offsetof((*Conn)(nil).rw)"},
		{"try", "c Conn", "c.mu.TryLock()", []string{"L m example.com/p.Conn.mu p.Conn.mu Conn.mu of *Conn #0"}, "unsafe.Offsetof((*Conn)(nil).mu)"},
		{"address taken", "c *Conn", "(&c.mu).Lock()", []string{"L m example.com/p.Conn.mu p.Conn.mu Conn.mu of *Conn #0"}, "unsafe.Offsetof((*Conn)(nil).mu)"},
		{"package variable", "", "global.Lock()", []string{"L m example.com/p.global p.global  -"}, ""},
		{"embedded", "e *Embeds", "e.Lock()", []string{"L m example.com/p.Embeds.Mutex p.Embeds Embeds.Mutex of *Embeds #0"}, "unsafe.Offsetof((*Embeds)(nil).Mutex)"},
		{"embedded twice", "o *Outer", "o.Lock()", []string{"L m example.com/p.Embeds.Mutex p.Embeds Embeds.Mutex of *Embeds #0"}, "unsafe.Offsetof((*Embeds)(nil).Mutex)"},
		{"array element", "c *Conn, i int", "c.stripes[i].Lock()", []string{"L m example.com/p.Conn.stripes[] p.Conn.stripes[] p.Conn.stripes[] at -1"}, ""},
		{"anonymous struct", "", "anon.mu.Lock()", []string{"L m example.com/p.anon.mu p.anon.mu p.anon.mu at -1"}, ""},
		{"generic", "g *G[int]", "g.mu.Lock()", []string{"L m example.com/p.G.mu p.G.mu G.mu at -1"}, ""},
		{"local", "", "var mu sync.Mutex\nmu.Lock()", []string{"L+1 m example.com/p.f.mu:x.go:L p.f.mu p.f.mu at -1"}, ""},
		{"local allocated", "", "mu := new(sync.Mutex)\nmu.Lock()", []string{"L+1 m example.com/p.f.mu:x.go:L p.f.mu p.f.mu at -1"}, ""},
		{"local allocated twice", "", "mu := &sync.RWMutex{}\nmu.Lock()\nmu = new(sync.RWMutex)", []string{"L+1 rw example.com/p.f.mu:x.go:L p.f.mu p.f.mu at -1"}, ""},
		// Pointers and parameters stand for locks declared elsewhere.
		{"local pointer to a field", "c *Conn", "mu := &c.mu\nmu.Lock()", nil, ""},
		{"local pointer reassigned", "c *Conn", "mu := new(sync.Mutex)\nmu = &c.mu\nmu.Lock()", nil, ""},
		{"local pointer whose address is taken", "", "mu := new(sync.Mutex)\np := &mu\n_ = p\nmu.Lock()", nil, ""},
		{"pointer field", "c *Conn", "c.p.Lock()", nil, ""},
		{"parameter", "mu *sync.Mutex", "mu.Lock()", nil, ""},
		{"value parameter", "mu sync.Mutex", "mu.Lock()", nil, ""},
		{"locker", "l sync.Locker", "l.Lock()", nil, ""},
		{"unlock", "c *Conn", "c.mu.Unlock()", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := snippet(`import "sync"`, decls, tt.params, tt.body)
			out := rewriteTyped(t, src, "", LockClasses)
			got, offs := lockSites(t, out)
			// Lines are given relative to the body's first, L.
			body := strings.Count(src[:strings.Index(src, "\nfunc f")], "\n") + 3
			for i, w := range tt.want {
				tt.want[i] = regexp.MustCompile(`L(\+\d)?`).ReplaceAllStringFunc(w, func(s string) string {
					n, _ := strconv.Atoi(strings.TrimPrefix(s, "L"))
					return strconv.Itoa(body + n)
				})
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("sites:\n%s\nwant:\n%s\nin:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), out)
			}
			if offs != tt.offsets {
				t.Errorf("offsets %q, want %q", offs, tt.offsets)
			}
		})
	}
}

// Two declarations locked on one line are both listed: the engine drops
// such a line, since a call site then does not tell them apart.
func TestLockClassesOneLineTwoLocks(t *testing.T) {
	src := snippet(`import "sync"`, "var a, b sync.Mutex", "", "a.Lock(); b.Lock()")
	got, _ := lockSites(t, rewriteTyped(t, src, "", LockClasses))
	if len(got) != 2 {
		t.Errorf("sites %q, want a's and b's", got)
	}
}

// A command's functions are named main.f at run time: its sites are
// registered under "main" too.
func TestLockClassesOfACommand(t *testing.T) {
	src := "package main\n\nimport \"sync\"\n\nvar mu sync.Mutex\n\nfunc main() {\n\tmu.Lock()\n}\n"
	out := rewriteTyped(t, src, "", LockClasses)
	for _, pkg := range []string{`LockSites("example.com/p", "x.go"`, `LockSites("main", "x.go"`} {
		if !strings.Contains(out, pkg) {
			t.Errorf("no %s...) in\n%s", pkg, out)
		}
	}
}
