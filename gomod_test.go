package gridlock_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// oldestGo is the oldest Go release the module supports: the go line of
// its go.mod may not be newer, so that a module that requires gridlock
// does not have to move its own go line to the newest release.
const oldestGo = "1.24"

// TestOldestGoModule builds a throwaway module whose go.mod says
// "go 1.24" and requires gridlock (through a replace directive to this
// repository): it imports the mirror of sync, the root package, the
// analyzers and the live view, and must build, run (its package-level
// locks watched) and vet without its go line moving to a newer release. When a Go 1.24
// toolchain is in the module cache (GOTOOLCHAIN=go1.24.x go version
// puts it there), the module is built and run with it as well.
func TestOldestGoModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^go (1\.(\d+))(\.\d+)?$`).FindSubmatch(mod); m == nil || !versionAtMost(string(m[1]), oldestGo) {
		t.Fatalf("go.mod's go line is not at most go %s:\n%s", oldestGo, mod)
	}

	dir := t.TempDir()
	gomod := "module example.com/old\n\ngo " + oldestGo + "\n\nrequire github.com/gridlock-go/gridlock v0.0.0\n\nreplace github.com/gridlock-go/gridlock => " + repo + "\n"
	files := map[string]string{
		"go.mod": gomod,
		"main.go": `package main

import (
	"fmt"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/analysis/passes"
	_ "github.com/gridlock-go/gridlock/debughttp"
	"github.com/gridlock-go/gridlock/sync"
)

// Package-level locks: not in the heap, where Go 1.24's weak pointers
// cannot point.
var (
	mu sync.Mutex
	rw sync.RWMutex
	wg sync.WaitGroup
)

func main() {
	gridlock.Name(&mu, "accounts")
	wg.Add(1)
	go func() {
		defer wg.Done()
		mu.Lock()
		rw.RLock()
		rw.RUnlock()
		mu.Unlock()
	}()
	wg.Wait()
	rw.Lock()
	rw.Unlock()
	var local sync.Mutex
	local.Lock()
	local.Unlock()
	fmt.Println(len(passes.All()), "analyzers")
}
`,
	}
	// The repository's go.sum has the hashes of gridlock's requirements:
	// no checksum database is asked.
	if sum, err := os.ReadFile(filepath.Join(repo, "go.sum")); err == nil {
		files["go.sum"] = string(sum)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	goCmd := func(bin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
		}
		got, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		// "go 1.24" may become "go 1.24.0", the release's first version
		// (which golang.org/x/tools requires): the same language.
		if !regexp.MustCompile(`(?m)^go ` + regexp.QuoteMeta(oldestGo) + `(\.0)?$`).Match(got) {
			t.Fatalf("%s %s moved the module's go line:\n%s", bin, strings.Join(args, " "), got)
		}
		return string(out)
	}
	// The program runs with detection on, its locks watched.
	run := func(bin string) {
		t.Helper()
		if out := goCmd(bin, "run", "."); !strings.Contains(out, "analyzers") {
			t.Errorf("%s run .: %s", bin, out)
		}
	}
	run(gobin)
	goCmd(gobin, "vet", ".")

	// A Go 1.24 toolchain already downloaded, if there is one: the
	// newest patch release in the module cache.
	out, err := exec.Command(gobin, "env", "GOMODCACHE").Output()
	if err != nil {
		return
	}
	cached, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "golang.org", "toolchain@v0.0.1-go"+oldestGo+".*", "bin", "go"))
	if len(cached) == 0 {
		t.Logf("no go%s.x toolchain in the module cache: built with the installed go only", oldestGo)
		return
	}
	sort.Slice(cached, func(i, j int) bool { return patch(cached[i]) < patch(cached[j]) })
	old := cached[len(cached)-1]
	t.Logf("building and running with %s too", old)
	run(old)
}

// versionAtMost reports whether the Go version v ("1.N") is at most max.
func versionAtMost(v, max string) bool {
	minor := func(s string) int {
		n := 0
		for _, c := range strings.TrimPrefix(s, "1.") {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	return minor(v) <= minor(max)
}

// patch returns the patch number of a toolchain's path
// (.../toolchain@v0.0.1-go1.24.11.linux-amd64/bin/go gives 11).
func patch(path string) int {
	m := regexp.MustCompile(`go1\.\d+\.(\d+)`).FindStringSubmatch(path)
	if m == nil {
		return -1
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
	}
	return n
}
