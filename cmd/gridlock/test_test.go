package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/internal/testutil"
)

// gridlockBin is the gridlock command built for these tests.
var gridlockBin string

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "gridlock-cmd-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		gridlockBin = filepath.Join(dir, "gridlock")
		if out, err := exec.Command("go", "build", "-o", gridlockBin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building gridlock: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// module writes a throwaway module, which does not depend on gridlock, in
// a temporary directory: files maps slash-separated paths to contents.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if files["go.mod"] == "" {
		files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// result is what a run of the gridlock command did.
type result struct {
	code     int
	stdout   string
	stderr   string
	findings []finding
	elapsed  time.Duration
}

type finding struct {
	Package    string   `json:"package"`
	Kind       string   `json:"kind"`
	Summary    string   `json:"summary"`
	Positions  []string `json:"positions"`
	Goroutines []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		CreatedBy *struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"createdBy"`
	} `json:"goroutines"`
	Orders []struct {
		Stack []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"stack"`
	} `json:"orders"`
	Time time.Time `json:"time"`
}

func (r *result) kinds() []string {
	var ks []string
	for _, f := range r.findings {
		ks = append(ks, f.Kind)
	}
	return ks
}

// gridlock runs the gridlock command in dir, offline, with -json when
// asked for findings.
func gridlock(t *testing.T, dir string, args ...string) *result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "findings.json")
	if len(args) > 0 && (args[0] == "test" || args[0] == "run") {
		args = append([]string{args[0], "-json", out}, args[1:]...)
	}
	cmd := exec.Command(gridlockBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod -buildvcs=false")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := &result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err == nil {
		if err := json.Unmarshal(b, &r.findings); err != nil {
			t.Fatalf("-json output: %v\n%s", err, b)
		}
	}
	return r
}

func (r *result) String() string {
	return fmt.Sprintf("exit %d after %v\nstdout:\n%s\nstderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// snapshotTree returns the names and sizes of the files under dir.
func snapshotTree(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil {
			fmt.Fprintf(&b, "%s %d\n", path, info.Size())
		}
		return nil
	})
	return b.String()
}

const inversion = `package m

import "sync"

var a, b sync.Mutex

func AB() {
	a.Lock()
	b.Lock() // AB: b while a
	b.Unlock()
	a.Unlock()
}

func BA() {
	b.Lock()
	a.Lock() // BA: a while b
	a.Unlock()
	b.Unlock()
}
`

func TestFindingsPointAtTheUsersLines(t *testing.T) {
	dir := module(t, map[string]string{
		"m.go":      inversion,
		"m_test.go": "package m\n\nimport \"testing\"\n\nfunc TestOrders(t *testing.T) {\n\tAB()\n\tBA()\n}\n",
	})
	before := snapshotTree(t, dir)
	r := gridlock(t, dir, "test", "./...")
	if r.code != 1 || len(r.findings) != 1 || r.findings[0].Kind != "lock-order-inversion" {
		t.Fatalf("want exit 1 and one lock-order-inversion, got %v\n%s", r.kinds(), r)
	}
	if r.findings[0].Package != "example.com/m" {
		t.Errorf("finding of package %q, want example.com/m", r.findings[0].Package)
	}
	file := filepath.Join(dir, "m.go")
	want := map[string]bool{
		fmt.Sprintf("%s:%d", file, testutil.Line(t, file, "// AB:")): true,
		fmt.Sprintf("%s:%d", file, testutil.Line(t, file, "// BA:")): true,
	}
	for _, o := range r.findings[0].Orders {
		top := fmt.Sprintf("%s:%d", o.Stack[0].File, o.Stack[0].Line)
		if !want[top] {
			t.Errorf("order taken at %s, want one of %v", top, want)
		}
		delete(want, top)
	}
	if !strings.Contains(r.stderr, "lock-order-inversion") {
		t.Errorf("stderr does not show the finding:\n%s", r.stderr)
	}
	if after := snapshotTree(t, dir); after != before {
		t.Errorf("the module's tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

const hang = `package m

import (
	"os"
	"testing"
	"time"
)

func TestHang(t *testing.T) {
	os.WriteFile(os.Getenv("STAMP"), []byte(time.Now().Format(time.RFC3339Nano)), 0o644)
	ping, pong := make(chan int), make(chan int)
	go func() { // starts the goroutine
		v := <-pong // waits for the test
		ping <- v
	}()
	<-ping // waits for the goroutine
}
`

func TestHungTestIsStopped(t *testing.T) {
	dir := module(t, map[string]string{"m_test.go": hang})
	stamp := filepath.Join(t.TempDir(), "stamp")
	t.Setenv("STAMP", stamp)
	const wait = 2 * time.Second
	r := gridlock(t, dir, "test", "-wait", wait.String(), "./...", "--", "-timeout", "10m")
	if r.code != 1 {
		t.Fatalf("want exit 1\n%s", r)
	}
	b, err := os.ReadFile(stamp)
	if err != nil {
		t.Fatalf("the test did not run: %v\n%s", err, r)
	}
	started, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		t.Fatal(err)
	}
	ended := started.Add(r.elapsed) // an upper bound: the run started before the test
	if limit := started.Add(wait + 8*time.Second); time.Now().After(limit) && ended.After(limit) {
		t.Errorf("stopped %v after the test started, want within %v\n%s", time.Since(started), wait+8*time.Second, r)
	}
	file := filepath.Join(dir, "m_test.go")
	positions := map[string]bool{}
	for _, f := range r.findings {
		// The test made both channels: once the program is frozen, the
		// goroutine waits for it, and it for the goroutine.
		if f.Kind != "deadlock" {
			t.Errorf("unexpected %s: %s", f.Kind, f.Summary)
		}
		for _, p := range f.Positions {
			positions[p] = true
		}
	}
	if len(r.findings) != 1 {
		t.Errorf("%d findings, want one deadlock", len(r.findings))
	}
	// The goroutine the test started is shown created at its go
	// statement, not inside gridlock.Go, which the rewrite calls there.
	goLine, created := testutil.Line(t, file, "// starts the goroutine"), false
	for _, f := range r.findings {
		for _, g := range f.Goroutines {
			if c := g.CreatedBy; c != nil && c.File == file && c.Line == goLine {
				created = true
			}
		}
	}
	if !created {
		t.Errorf("no goroutine created at %s:%d\n%s", file, goLine, r)
	}
	for _, marker := range []string{"// waits for the test", "// waits for the goroutine"} {
		if p := fmt.Sprintf("%s:%d", file, testutil.Line(t, file, marker)); !positions[p] {
			t.Errorf("no finding at %s (%s); positions %v\n%s", p, marker, positions, r)
		}
	}
	if !strings.Contains(r.stdout, "stopped example.com/m") {
		t.Errorf("the output does not say the test was stopped:\n%s", r)
	}
}

func TestLeftBlockedAtTheEnd(t *testing.T) {
	testutil.SkipWithoutLeakProfile(t) // the sender is blocked, not frozen: the runtime proves it
	dir := module(t, map[string]string{
		"m.go": "package m\n\nfunc Start() chan int {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }() // leaked\n\treturn nil\n}\n",
		// A TestMain of the user's, which exits itself.
		"m_test.go": "package m\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) { os.Exit(m.Run()) }\n\nfunc TestStart(t *testing.T) { Start() }\n",
	})
	r := gridlock(t, dir, "test", "./...")
	if r.code != 1 || len(r.findings) != 1 || r.findings[0].Kind != "partial-deadlock" {
		t.Fatalf("want one partial-deadlock, got %v\n%s", r.kinds(), r)
	}
	file := filepath.Join(dir, "m.go")
	if want := fmt.Sprintf("%s:%d", file, testutil.Line(t, file, "// leaked")); r.findings[0].Positions[0] != want {
		t.Errorf("at %v, want %s", r.findings[0].Positions, want)
	}
	if !strings.Contains(r.stdout, "ok  \texample.com/m") {
		t.Errorf("go test's verdict is missing:\n%s", r)
	}
}

// TestChannelDeadlocks checks that circular waits through native
// channels, a range loop and a select, in unmodified code, are reported
// as deadlocks at the user's lines, their goroutines named after the
// functions the go statements call.
func TestChannelDeadlocks(t *testing.T) {
	dir := module(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.23\n",
		"relay/relay.go": `package relay

func relay(in <-chan int, out chan<- int) {
	for v := range in { // relay waits
		out <- v
	}
}
`,
		"relay/relay_test.go": `package relay

import "testing"

func TestRelay(t *testing.T) {
	a, b := make(chan int), make(chan int)
	go relay(a, b)
	a <- 1
	<-b
	<-b // the test waits
}
`,
		"game/game.go": `package game

func physics(collisions chan<- int, forces <-chan int, n int) {
	for i := 0; i < n; i++ {
		collisions <- i // physics waits
		<-forces
	}
}

func reaction(collisions <-chan int, forces chan<- int, n int) {
	for i := 0; i < n; i++ {
		select { // reaction waits in the select
		case forces <- i:
		}
		forces <- i // reaction waits to send
		<-collisions
	}
}
`,
		"game/game_test.go": `package game

import "testing"

func TestGame(t *testing.T) {
	collisions, forces := make(chan int, 1), make(chan int, 1)
	go reaction(collisions, forces, 3)
	physics(collisions, forces, 3)
}
`,
	})
	r := gridlock(t, dir, "test", "-wait", "2s", "./...")
	if r.code != 1 || len(r.findings) != 2 {
		t.Fatalf("want exit 1 and two deadlocks, got %v\n%s", r.kinds(), r)
	}
	for _, tc := range []struct {
		pkg, name string
		lines     map[string][]string // file → markers of the lines where goroutines may wait
	}{
		{"example.com/m/relay", "relay", map[string][]string{"relay/relay.go": {"// relay waits"}, "relay/relay_test.go": {"// the test waits"}}},
		{"example.com/m/game", "reaction", map[string][]string{"game/game.go": {"// physics waits", "// reaction waits in the select", "// reaction waits to send"}}},
	} {
		var f *finding
		for i := range r.findings {
			if r.findings[i].Package == tc.pkg {
				f = &r.findings[i]
			}
		}
		if f == nil || f.Kind != "deadlock" {
			t.Errorf("%s: no deadlock among %v\n%s", tc.pkg, r.kinds(), r)
			continue
		}
		allowed := map[string]bool{}
		for file, markers := range tc.lines {
			path := filepath.Join(dir, filepath.FromSlash(file))
			for _, m := range markers {
				allowed[fmt.Sprintf("%s:%d", path, testutil.Line(t, path, m))] = true
			}
		}
		if len(f.Positions) != 2 {
			t.Errorf("%s: positions %v, want two", tc.pkg, f.Positions)
		}
		for _, p := range f.Positions {
			if !allowed[p] {
				t.Errorf("%s: a goroutine waits at %s, want one of %v", tc.pkg, p, allowed)
			}
		}
		named := false
		for _, g := range f.Goroutines {
			named = named || g.Name == tc.name
		}
		if !named {
			t.Errorf("%s: no goroutine named %q in %+v", tc.pkg, tc.name, f.Goroutines)
		}
	}
}

func TestCorrectCodeIsSilent(t *testing.T) {
	dir := module(t, map[string]string{
		"m.go":      "package m\n\nimport \"sync\"\n\nvar mu sync.Mutex\n\nfunc Inc(n *int) {\n\tmu.Lock()\n\t*n++\n\tmu.Unlock()\n}\n",
		"m_test.go": "package m\n\nimport (\n\t\"sync\"\n\t\"testing\"\n)\n\nfunc TestInc(t *testing.T) {\n\tvar wg sync.WaitGroup\n\tn := 0\n\tfor i := 0; i < 10; i++ {\n\t\twg.Add(1)\n\t\tgo func() { defer wg.Done(); Inc(&n) }()\n\t}\n\twg.Wait()\n}\n",
	})
	r := gridlock(t, dir, "test", "./...")
	if r.code != 0 || len(r.findings) != 0 {
		t.Fatalf("want exit 0 and no findings, got %v\n%s", r.kinds(), r)
	}
}

func TestBadInputs(t *testing.T) {
	dir := module(t, map[string]string{
		"ok/ok.go":           "package ok\n",
		"notests/notests.go": "package notests\n",
		"broken/broken.go":   "package broken\n\nfunc F() int { return undefinedName }\n",
		"broken/b_test.go":   "package broken\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n",
	})
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no such package", []string{"test", "./nope"}, 2, "nope"},
		{"build error", []string{"test", "./broken"}, 2, "undefined: undefinedName"},
		{"unknown flag", []string{"test", "-frobnicate", "./ok"}, 2, "flag provided but not defined: -frobnicate"},
		{"unknown kind", []string{"test", "-off", "nonsense", "./ok"}, 2, `unknown kind "nonsense"`},
		{"no tests", []string{"test", "./notests"}, 2, "no test files in ./notests"},
		{"run a library", []string{"run", "./ok"}, 2, "not a main package"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gridlock(t, dir, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit %d and %q\n%s", tc.code, tc.want, r)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("a panic or a finding on a bad input:\n%s", r)
			}
			if tc.name != "build error" && tc.name != "unknown flag" && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("want one line, got:\n%s", r.stderr)
			}
		})
	}
}

func TestRunStopsAFrozenProgram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	dir := module(t, map[string]string{
		"cmd/app/main.go": `package main

import (
	"fmt"
	"sync"
)

var a, b sync.Mutex

func main() {
	ready := make(chan bool)
	go func() {
		b.Lock()
		ready <- true
		a.Lock() // held by main
	}()
	a.Lock()
	<-ready
	fmt.Println("about to deadlock")
	b.Lock() // held by the goroutine
}
`,
	})
	r := gridlock(t, dir, "run", "-wait", "1s", "./cmd/app")
	if r.code != 1 || !strings.Contains(r.stdout, "about to deadlock") {
		t.Fatalf("want exit 1 after the program's output\n%s", r)
	}
	found := false
	for _, f := range r.findings {
		if f.Kind == "deadlock" {
			found = true
		}
	}
	if !found {
		t.Errorf("no deadlock among %v\n%s", r.kinds(), r)
	}
}

func TestBinaryFlagsPassThrough(t *testing.T) {
	dir := module(t, map[string]string{
		"pkg/p.go": "package pkg\n",
		"pkg/p_test.go": `package pkg

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")
var golden = flag.String("golden", "", "golden dir")

func TestUpdate(t *testing.T) {
	if !*update {
		t.Fatal("-update not set")
	}
	t.Logf("golden=%q", *golden)
}

func TestOther(t *testing.T) { t.Fatal("not selected by -run") }
`,
	})
	for _, tc := range []struct {
		name string
		args []string
		want string // in stdout with -v
	}{
		{"after --", []string{"test", "./pkg", "--", "-update", "-run", "TestUpdate", "-v"}, `golden=""`},
		{"without --", []string{"test", "./pkg", "-run", "TestUpdate", "-update", "-v"}, `golden=""`},
		{"binary flag with a value", []string{"test", "./pkg", "--", "-run=TestUpdate", "-v", "-golden", "x/y", "-update"}, `golden="x/y"`},
		{"after -args", []string{"test", "./pkg", "--", "-run", "TestUpdate", "-v", "-args", "-update", "-golden=z"}, `golden="z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gridlock(t, dir, tc.args...)
			if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("want exit 0 and %q in the output\n%s", tc.want, r)
			}
		})
	}
}

// TestGodebugOfTheUsersModule checks that the instrumented build keeps the
// run-time behaviour the module's go line and godebug lines give it: the
// generated workspace's go line is the toolchain's, and without care a go
// 1.21 module would run with Go 1.24's default of a rand.Seed that does
// nothing (gorilla/websocket's TestPreparedMessage relies on it).
func TestGodebugOfTheUsersModule(t *testing.T) {
	const seeded = `package m

import (
	"math/rand"
	"testing"
)

func TestSeedRepeats(t *testing.T) {
	rand.Seed(1234)
	a := rand.Int63()
	rand.Seed(1234)
	if b := rand.Int63(); a != b {
		t.Fatalf("rand.Seed did not repeat the sequence: %d then %d", a, b)
	}
}

`
	for _, tc := range []struct{ name, gomod string }{
		{"go line", "module example.com/m\n\ngo 1.21\n"},
		{"godebug line", "module example.com/m\n\ngo 1.25\n\ngodebug randseednop=0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := module(t, map[string]string{"go.mod": tc.gomod, "m_test.go": seeded})
			if r := gridlock(t, dir, "test", ".", "--", "-run", "TestSeedRepeats", "-count=1"); r.code != 0 {
				t.Fatalf("want exit 0\n%s", r)
			}
		})
	}
}

// TestAgentIsInvisible checks that the tests' own code sees the process
// as under go test: no goroutine of gridlock's, no frame of gridlock's on
// the main goroutine's stack (examples run there), with or without a
// TestMain of the package's own.
func TestAgentIsInvisible(t *testing.T) {
	const tests = `package %s

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestNoGoroutineOfGridlock(t *testing.T) {
	before := runtime.NumGoroutine()
	var mu sync.Mutex
	done := make(chan bool)
	go func() { mu.Lock(); mu.Unlock(); done <- true }()
	<-done
	for runtime.NumGoroutine() > before {
		runtime.Gosched()
	}
	buf := make([]byte, 1<<20)
	dump := string(buf[:runtime.Stack(buf, true)])
	if strings.Contains(dump, "gridlock") {
		t.Errorf("gridlock in the goroutines' stacks:\n%%s", dump)
	}
	if n := runtime.NumGoroutine(); n != 2 {
		t.Errorf("%%d goroutines, want 2 (the test's and the main one)\n%%s", n, dump)
	}
}

func ExampleCallers() {
	pcs := make([]uintptr, 20)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		fmt.Println(f.Function)
		if !more {
			break
		}
	}
	// Output:
	// %s
}
`
	plain := []string{"example.com/m.ExampleCallers", "testing.runExample", "testing.runExamples", "testing.(*M).Run", "main.main", "runtime.main", "runtime.goexit"}
	withMain := append(slices.Clone(plain[:4]), append([]string{"example.com/m.TestMain"}, plain[4:]...)...)
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"no TestMain", map[string]string{
			"m.go":      "package m\n",
			"m_test.go": fmt.Sprintf(tests, "m", strings.Join(plain, "\n\t// ")),
		}},
		{"the package's TestMain", map[string]string{
			"m.go":         "package m\n",
			"m_test.go":    fmt.Sprintf(tests, "m", strings.Join(withMain, "\n\t// ")),
			"main_test.go": "package m\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) { os.Exit(m.Run()) }\n",
		}},
		{"external tests", map[string]string{
			"m.go":      "package m\n",
			"m_test.go": strings.ReplaceAll(fmt.Sprintf(tests, "m_test", strings.Join(plain, "\n\t// ")), "example.com/m.ExampleCallers", "example.com/m_test.ExampleCallers"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := module(t, tc.files)
			r := gridlock(t, dir, "test", "./...", "--", "-v")
			if r.code != 0 || len(r.findings) != 0 {
				t.Fatalf("want exit 0 and no findings, got %v\n%s", r.kinds(), r)
			}
			if !strings.Contains(r.stdout, "--- PASS: ExampleCallers") {
				t.Errorf("the example did not run:\n%s", r)
			}
		})
	}
}

// TestProgressIsNotAFreeze checks that a test that moves on, waking from
// timers only and printing nothing, is not stopped when every goroutine
// happens to be blocked at a snapshot, here after a circular wait of two
// goroutines of its own was reported.
func TestProgressIsNotAFreeze(t *testing.T) {
	dir := module(t, map[string]string{
		"m_test.go": `package m

import (
	"sync"
	"testing"
	"time"
)

var a, b sync.Mutex

func TestProgress(t *testing.T) {
	ready, start := make(chan bool), make(chan bool)
	go func() { a.Lock(); ready <- true; <-start; b.Lock() }()
	go func() { b.Lock(); ready <- true; <-start; a.Lock() }()
	<-ready
	<-ready
	close(start)
	for deadline := time.Now().Add(4 * time.Second); time.Now().Before(deadline); {
		<-time.After(20 * time.Millisecond)
	}
}
`,
	})
	r := gridlock(t, dir, "test", "-wait", "10s", "./...")
	if !strings.Contains(r.stdout, "ok  \texample.com/m") || strings.Contains(r.stdout+r.stderr, "stopped") {
		t.Fatalf("the test was stopped, or failed\n%s", r)
	}
	if !slices.Contains(r.kinds(), "deadlock") {
		t.Errorf("no deadlock among %v\n%s", r.kinds(), r)
	}
}
