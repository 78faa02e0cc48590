package main

import (
	"bufio"
	"bytes"
	"flag"
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
	generateFrozen = flag.Bool("generate-frozen", false, "run the programs of testdata/frozen and write their dumps to testdata/frozendumps")
	onlyFrozen     = flag.String("only-frozen", "", "with -generate-frozen, the one program to dump again")
)

// frozenScenarios lists the programs of testdata/frozen, a module of
// unmodified programs (standard sync) that freeze, and one that is busy
// but healthy.
var frozenScenarios = []string{"globals", "fields", "waitgroup", "chansend", "rlock", "closures", "locals", "busy",
	"deepcall", "deferwait", "stripes", "locker", "rwchan", "cycle3", "condouter", "selectlock", "oncewait", "wgsend", "timeoutleak",
	"pool", "server", "orphan", "later"}

// frozenTests lists the packages of testdata/frozen whose test freezes.
var frozenTests = []string{"testfreeze"}

// TestGenerateFrozen regenerates the dumps of the programs of
// testdata/frozen:
//
//	go test ./cmd/gridlock -run TestGenerateFrozen -generate-frozen
//
// Each program is built twice: an ordinary build, whose SIGQUIT traceback
// (GOTRACEBACK=all) names files by their absolute paths on this machine,
// and a -trimpath build serving net/http/pprof, whose goroutine?debug=2
// names them by module path.
func TestGenerateFrozen(t *testing.T) {
	if !*generateFrozen {
		t.Skip("run with -generate-frozen to regenerate testdata/frozendumps")
	}
	src, err := filepath.Abs(filepath.Join("testdata", "frozen"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("testdata", "frozendumps")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := func(name string, args ...string) string {
		exe := filepath.Join(bin, name)
		cmd := exec.Command("go", append(append([]string{"build", "-o", exe}, args...), "./"+strings.SplitN(name, ".", 2)[0])...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, b)
		}
		return exe
	}
	for _, sc := range frozenTests {
		if *onlyFrozen != "" && sc != *onlyFrozen {
			continue
		}
		// go test's own dump when the test times out: frames in _test.go files.
		cmd := exec.Command("go", "test", "-count=1", "-timeout=2s", "./"+sc)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
		b, _ := cmd.CombinedOutput()
		if !bytes.Contains(b, []byte("test timed out")) {
			t.Fatalf("%s: no timeout:\n%s", sc, b)
		}
		writeDump(t, filepath.Join(out, sc+".timeout.txt"), b)
	}
	for _, sc := range frozenScenarios {
		if *onlyFrozen != "" && sc != *onlyFrozen {
			continue
		}
		t.Run(sc, func(t *testing.T) {
			// An ordinary build, dumped by SIGQUIT.
			p := startFrozen(t, build(sc+".plain"))
			p.cmd.Process.Signal(syscall.SIGQUIT)
			writeDump(t, filepath.Join(out, sc+".sigquit.txt"), p.wait(t))
			// A -trimpath build, dumped by its pprof endpoint.
			p = startFrozen(t, build(sc+".trim", "-trimpath"), "-http")
			resp, err := http.Get("http://" + p.addr + "/debug/pprof/goroutine?debug=2")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			p.cmd.Process.Kill()
			writeDump(t, filepath.Join(out, sc+".debug2.txt"), b)
		})
	}
}

func writeDump(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type frozenProc struct {
	cmd    *exec.Cmd
	addr   string
	stderr bytes.Buffer
	done   chan struct{}
}

// startFrozen runs a program and waits for its "ready".
func startFrozen(t *testing.T, exe string, args ...string) *frozenProc {
	t.Helper()
	p := &frozenProc{cmd: exec.Command(exe, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "GOTRACEBACK=all")
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			p.addr = a
		}
		if sc.Text() == "ready" {
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

func (p *frozenProc) wait(t *testing.T) []byte {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGQUIT")
	}
	return p.stderr.Bytes()
}
