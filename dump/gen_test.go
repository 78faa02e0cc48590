package dump_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	generate = flag.Bool("generate", false, "run the programs of testdata/scenarios and write their dumps to testdata/dumps")
	only     = flag.String("only", "", "with -generate, the one scenario to regenerate")
)

// TestGenerate regenerates the real dumps the tests read:
//
//	go test ./dump -run TestGenerate -generate
//
// For each scenario it runs the program and takes its dumps: with an HTTP
// pprof server (goroutine?debug=2, ?debug=1, then SIGQUIT), built with
// GOEXPERIMENT=goroutineleakprofile (goroutineleak?debug=1 and ?debug=2),
// without a server (the runtime's "all goroutines are asleep", or SIGQUIT
// if it keeps running) and as a test that times out. Each program prints the
// addresses of the resources it blocks on; they are kept beside the dumps
// (NAME.MODE.res) so that the tests check the addresses recovered.
func TestGenerate(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to regenerate testdata/dumps")
	}
	dir := t.TempDir()
	out := filepath.Join("testdata", "dumps")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	build := func(name string, env []string, args ...string) string {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", append(append([]string{"build", "-trimpath", "-o", bin}, args...), "./testdata/scenarios")...)
		cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0"}, env...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, b)
		}
		return bin
	}
	serve := build("serve", nil)
	quiet := build("quiet", nil, "-tags", "quiet")
	leak := build("leak", []string{"GOEXPERIMENT=goroutineleakprofile"})
	test := filepath.Join(dir, "scenarios.test")
	cmd := exec.Command("go", "test", "-trimpath", "-c", "-o", test, "./testdata/scenarios")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test: %v\n%s", err, b)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range scenarioNames {
		if *only != "" && sc != *only {
			continue
		}
		t.Run(sc, func(t *testing.T) {
			env := []string{"GOTRACEBACK=all"}
			if sc == "workerpool" {
				env = append(env, "GODEBUG=tracebacklabels=1,tracebackancestors=2")
			}
			// Served: debug=2, debug=1, SIGQUIT.
			p := start(t, serve, env, "-mode", "serve", sc)
			write(sc+".serve.res", p.res)
			write(sc+".debug2.txt", p.get(t, "/debug/pprof/goroutine?debug=2"))
			write(sc+".debug1.txt", p.get(t, "/debug/pprof/goroutine?debug=1"))
			if sc == "busyloop" {
				// Two dumps a moment apart, as one takes to tell a loop.
				first := p.get(t, "/debug/pprof/goroutine?debug=2")
				time.Sleep(300 * time.Millisecond)
				write(sc+".twice.txt", append(append(first, '\n'), p.get(t, "/debug/pprof/goroutine?debug=2")...))
			}
			write(sc+".sigquit.txt", p.quit(t))
			// The goroutine leak profile.
			p = start(t, leak, env, "-mode", "serve", sc)
			write(sc+".leak.res", p.res)
			write(sc+".leak1.txt", p.get(t, "/debug/pprof/goroutineleak?debug=1"))
			write(sc+".leak2.txt", p.get(t, "/debug/pprof/goroutineleak?debug=2"))
			p.kill()
			// Without a server: the runtime may see the deadlock itself.
			p = start(t, quiet, env, "-mode", "quiet", sc)
			write(sc+".quiet.res", p.res)
			if b, ok := p.exited(2 * time.Second); ok {
				write(sc+".fatal.txt", b)
			} else {
				write(sc+".quiet.txt", p.quit(t))
			}
			// A test that times out.
			c := exec.Command(test, "-test.run=TestScenario", "-test.timeout=1s")
			c.Env = append(os.Environ(), "SCENARIO="+sc, "GOTRACEBACK=all")
			b, _ := c.CombinedOutput()
			write(sc+".timeout.txt", b)
		})
	}
	if *only != "" {
		return
	}
	// A dump inside a container log: a timestamp and stream before each
	// line, other lines around it.
	b, err := os.ReadFile(filepath.Join(out, "abba.sigquit.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	ts := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fmt.Fprintf(&log, "%s stdout F listening on :8080\n", ts.Format(time.RFC3339Nano))
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		ts = ts.Add(time.Duration(i%7) * 1300 * time.Microsecond)
		fmt.Fprintf(&log, "%s stderr F %s\n", ts.Format(time.RFC3339Nano), line)
		if i == 40 {
			fmt.Fprintf(&log, "%s stdout F request served in 3ms\n", ts.Format(time.RFC3339Nano))
		}
	}
	write("abba.containerlog.txt", log.Bytes())
	copyFile(t, filepath.Join(out, "abba.serve.res"), filepath.Join(out, "abba.containerlog.res"))
}

// scenarioNames lists the programs of testdata/scenarios.
var scenarioNames = []string{
	"abba", "rwmutex", "chancycle", "waitgroup", "cond", "select", "mixed",
	"busyloop", "recursion", "slowio", "workerpool", "pipeline", "idle", "ticker",
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type proc struct {
	cmd    *exec.Cmd
	addr   string
	res    []byte
	stderr *bytes.Buffer
	done   chan struct{}
}

// start runs a scenario program and waits for its "ready".
func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stderr: new(bytes.Buffer), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if a, ok := strings.CutPrefix(line, "addr "); ok {
			p.addr = a
		}
		if strings.HasPrefix(line, "res ") {
			p.res = append(p.res, line+"\n"...)
		}
		if line == "ready" {
			break
		}
	}
	go func() {
		io.Copy(io.Discard, stdout)
		p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func (p *proc) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// quit sends SIGQUIT and returns what the program wrote to stderr.
func (p *proc) quit(t *testing.T) []byte {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGQUIT")
	}
	return p.stderr.Bytes()
}

func (p *proc) exited(d time.Duration) ([]byte, bool) {
	select {
	case <-p.done:
		return p.stderr.Bytes(), true
	case <-time.After(d):
		return nil, false
	}
}

func (p *proc) kill() {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
}
