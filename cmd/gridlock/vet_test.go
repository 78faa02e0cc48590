package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildTools builds gridlock and gridlock-vet into a temporary directory.
func buildTools(t *testing.T) (gridlock, gridlockVet string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds binaries and runs go vet")
	}
	dir := t.TempDir()
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	gridlock = filepath.Join(dir, "gridlock"+exe)
	gridlockVet = filepath.Join(dir, "gridlock-vet"+exe)
	for bin, pkg := range map[string]string{gridlock: ".", gridlockVet: "../gridlock-vet"} {
		out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return gridlock, gridlockVet
}

// copyDir copies a testdata module to a temporary directory, so that
// -fix may change it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o777)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func run1(t *testing.T, dir string, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return o.String(), e.String(), code
}

var wantFindings = []string{
	"store/store.go:18:2: lock-leak: s.mu is not released on the path to the return at store.go:21",
	"store/store.go:31:2: lock-held-across-blocking: s.mu held across a call that may block: (*queue.Queue).Put → sends on q.ch at queue.go:8",
	"store/store.go:43:5: recursive-lock: call locks s.mu, already locked: (*store.Store).Len → Lock at store.go:35",
}

func TestVet(t *testing.T) {
	gridlock, gridlockVet := buildTools(t)
	mod := copyDir(t, "testdata/vetmod")
	broken := copyDir(t, "testdata/broken")

	t.Run("text", func(t *testing.T) {
		_, stderr, code := run1(t, mod, nil, gridlock, "vet", "./...")
		if code != 1 {
			t.Errorf("exit code %d, want 1\n%s", code, stderr)
		}
		for _, w := range wantFindings {
			if !strings.Contains(stderr, w) {
				t.Errorf("output lacks %q:\n%s", w, stderr)
			}
		}
		if !strings.Contains(stderr, "\tstore/store.go:28:2: s.mu locked here") {
			t.Errorf("output lacks the lock site of the related finding:\n%s", stderr)
		}
		if strings.Contains(stderr, "store.go:51") {
			t.Errorf("the ignored finding was reported:\n%s", stderr)
		}
	})

	t.Run("-C", func(t *testing.T) {
		_, stderr, code := run1(t, t.TempDir(), nil, gridlock, "vet", "-C", mod, "./...")
		if code != 1 || !strings.Contains(stderr, wantFindings[0]) {
			t.Errorf("gridlock vet -C: exit code %d, output:\n%s", code, stderr)
		}
	})

	t.Run("vettool", func(t *testing.T) {
		_, stderr, code := run1(t, mod, nil, "go", "vet", "-vettool="+gridlockVet, "./...")
		if code == 0 {
			t.Errorf("go vet -vettool exited 0, want failure\n%s", stderr)
		}
		for _, w := range wantFindings {
			// go vet prints positions relative to the module, with "./" for files.
			if !strings.Contains(stderr, w) {
				t.Errorf("go vet -vettool output lacks %q:\n%s", w, stderr)
			}
		}
	})

	t.Run("sarif", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "out.sarif")
		_, _, code := run1(t, mod, nil, gridlock, "vet", "-sarif", file, "./...")
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Version string
			Runs    []struct {
				Tool struct {
					Driver struct {
						Rules []struct {
							ID      string
							HelpURI string
						}
					}
				}
				Results []struct {
					RuleID    string
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           struct{ StartLine int }
						}
					}
					RelatedLocations []json.RawMessage
					CodeFlows        []json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(b, &log); err != nil {
			t.Fatalf("SARIF is not JSON: %v", err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 {
			t.Fatalf("SARIF version %q with %d runs", log.Version, len(log.Runs))
		}
		r := log.Runs[0]
		if len(r.Results) != 3 {
			t.Errorf("%d results, want 3", len(r.Results))
		}
		rules := map[string]string{}
		for _, rule := range r.Tool.Driver.Rules {
			rules[rule.ID] = rule.HelpURI
		}
		for _, k := range []string{"lock-leak", "lock-held-across-blocking", "recursive-lock"} {
			if !strings.HasSuffix(rules[k], "/docs/findings/"+k+".md") {
				t.Errorf("rule %s has helpUri %q", k, rules[k])
			}
		}
		for _, res := range r.Results {
			if uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "store/store.go" {
				t.Errorf("result %s at %q, want store/store.go", res.RuleID, uri)
			}
			if len(res.RelatedLocations) == 0 || len(res.CodeFlows) == 0 {
				t.Errorf("result %s lacks related locations or a code flow", res.RuleID)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		stdout, _, code := run1(t, mod, nil, gridlock, "vet", "-json", "./...")
		if code != 0 {
			t.Errorf("exit code %d, want 0 (as go vet -json)", code)
		}
		if !strings.Contains(stdout, `"category": "lock-leak"`) {
			t.Errorf("JSON output lacks the lock-leak finding:\n%s", stdout)
		}
	})

	t.Run("fix", func(t *testing.T) {
		fixed := copyDir(t, "testdata/vetmod")
		if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil && goMinor(strings.TrimSpace(string(out))) < 26 {
			_, stderr, code := run1(t, fixed, nil, gridlock, "vet", "-fix", "./store")
			if code != exitUsage || !strings.Contains(stderr, "-fix needs the go vet of Go 1.26") {
				t.Errorf("-fix with %s: exit %d, want %d and a line saying why:\n%s", out, code, exitUsage, stderr)
			}
			t.Skipf("go vet -fix needs Go 1.26; the go command is %s", out)
		}
		stdout, stderr, _ := run1(t, fixed, nil, gridlock, "vet", "-fix", "-diff", "./store")
		if !strings.Contains(stdout+stderr, "+\t\ts.mu.Unlock()") {
			t.Errorf("-fix -diff does not release s.mu before the return:\n%s%s", stdout, stderr)
		}
		run1(t, fixed, nil, gridlock, "vet", "-fix", "./store")
		b, _ := os.ReadFile(filepath.Join(fixed, "store/store.go"))
		if !strings.Contains(string(b), "\t\ts.mu.Unlock()\n\t\treturn 0, errors.New") {
			t.Errorf("-fix did not fix store.go:\n%s", b)
		}
	})

	for _, tc := range []struct {
		name     string
		dir      string
		args     []string
		code     int
		want     string
		maxLines int
	}{
		{"unknown flag", mod, []string{"vet", "-bogus"}, 2, "gridlock vet: flag provided but not defined: -bogus", 1},
		{"broken package", broken, []string{"vet", "./..."}, 1, "gridlock vet: ", 2},
		{"no such package", mod, []string{"vet", "./nope"}, 1, "gridlock vet: ", 2},
		{"diff without fix", mod, []string{"vet", "-diff"}, 2, "-diff needs -fix", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := run1(t, tc.dir, nil, gridlock, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n") + 1; tc.maxLines > 0 && n > tc.maxLines {
				t.Errorf("stderr has %d lines, want at most %d:\n%s", n, tc.maxLines, stderr)
			}
		})
	}
}
