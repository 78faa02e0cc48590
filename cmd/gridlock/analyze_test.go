package main

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
)

func dumpFile(name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "dump", "testdata", "dumps", name+".txt"))
	if err != nil {
		panic(err)
	}
	return p
}

func runAnalyzeCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(ctx, append([]string{"analyze"}, args...))
	return code, out.String(), errb.String()
}

func TestAnalyzeExitStatus(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  string // a substring
		errLine bool   // one line on stderr
	}{
		{"deadlock", []string{"-nosrc", dumpFile("abba.sigquit")}, "", 1, "DEADLOCK (likely)", false},
		{"deadlock per the source", []string{dumpFile("abba.sigquit")}, "", 1, "per the source", false},
		{"contention exits 0", []string{"-nosrc", dumpFile("slowio.debug2")}, "", 0, "LOCK-CONTENTION", false},
		{"healthy", []string{dumpFile("workerpool.sigquit")}, "", 0, "no deadlock found", false},
		{"stdin", []string{"-"}, mustRead(t, dumpFile("abba.fatal")), 1, "DEADLOCK:", false},
		{"not a dump", []string{"-"}, "hello\n", 2, "", true},
		{"no such file", []string{"/no/such/file"}, "", 2, "", true},
		{"two inputs", []string{"a", "b"}, "", 2, "", true},
		{"-src without a module", []string{"-src", "/", dumpFile("abba.sigquit")}, "", 2, "", true},
		{"bad flag", []string{"-nope"}, "", 2, "", false},
		{"pid without a way", []string{"-pid", "1"}, "", 2, "", true},
		{"filter keeps the finding", []string{"-filter", "Transfer", dumpFile("abba.sigquit")}, "", 1, "Transfer", false},
		{"filter drops it", []string{"-filter", "net/http", dumpFile("abba.sigquit")}, "", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runAnalyzeCmd(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if tt.errLine && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("want one error line, got:\n%s", errs)
			}
			if tt.errLine && !strings.HasPrefix(errs, "gridlock analyze: ") {
				t.Errorf("error %q lacks the command's name", errs)
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAnalyzeOutputs(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runAnalyzeCmd(t, "", "-nosrc", "-json", "-", "-dot", filepath.Join(dir, "g.dot"), "-html", filepath.Join(dir, "p.html"), dumpFile("abba.sigquit"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fs, err := report.ReadJSON(strings.NewReader(out))
	if err != nil || len(fs) == 0 || fs[0].Kind != report.Deadlock || fs[0].Certainty != report.Likely {
		t.Fatalf("JSON on stdout: %v, %d findings\n%s", err, len(fs), out)
	}
	if !strings.Contains(errs, "DEADLOCK") {
		t.Errorf("the summary should go to stderr when stdout carries JSON:\n%s", errs)
	}
	dot, _ := os.ReadFile(filepath.Join(dir, "g.dot"))
	if !bytes.HasPrefix(dot, []byte("digraph gridlock")) || !bytes.Contains(dot, []byte("waits (lock)")) {
		t.Errorf("DOT:\n%s", dot)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "p.html"))
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "(*Account).Transfer", "<details>"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=\"http", "<link"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page is not self-contained: %q", bad)
		}
	}
}

func TestAnalyzeURL(t *testing.T) {
	body := mustRead(t, dumpFile("abba.debug2"))
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.String()
		w.Write([]byte(body))
	}))
	defer srv.Close()
	code, out, errs := runAnalyzeCmd(t, "", "-url", srv.URL)
	if code != 1 || !strings.Contains(out, "DEADLOCK") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if got != "/debug/pprof/goroutine?debug=2" {
		t.Errorf("fetched %s", got)
	}
	runAnalyzeCmd(t, "", "-url", srv.URL, "-leak")
	if got != "/debug/pprof/goroutineleak?debug=2" {
		t.Errorf("with -leak fetched %s", got)
	}
}

// TestAnalyzePID sends SIGQUIT to a deadlocked process whose standard error
// goes to a file, and reads the dump it leaves there.
func TestAnalyzePID(t *testing.T) {
	dir := module(t, map[string]string{"main.go": `package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	var a, b sync.Mutex
	go func() { a.Lock(); time.Sleep(20 * time.Millisecond); b.Lock() }()
	go func() { b.Lock(); time.Sleep(20 * time.Millisecond); a.Lock() }()
	time.Sleep(100 * time.Millisecond)
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour) // alive: the runtime does not see the deadlock
	}
}
`})
	bin := filepath.Join(dir, "abba")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	errFile, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd := exec.Command(bin)
	cmd.Stderr = errFile
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		bufio.NewReader(stdout).ReadString('\n')
		done <- nil
	}()
	<-done
	defer cmd.Process.Kill()
	go cmd.Wait()

	code, out, errs := runAnalyzeCmd(t, "", "-pid", strconv.Itoa(cmd.Process.Pid), "-kill-ok")
	if code != 1 || !strings.Contains(out, "DEADLOCK") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}
