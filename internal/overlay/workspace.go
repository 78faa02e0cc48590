package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
)

// SourceEnv is the environment variable that names the directory of
// gridlock's source, overriding where Source looks.
const SourceEnv = "GRIDLOCK_SRC"

// Source returns the directory of the source of the gridlock module that
// this binary was built from, which the instrumented build compiles in:
//
//   - the directory named by $GRIDLOCK_SRC, if set;
//   - the module's directory as recorded in this binary at build time, if
//     it still holds gridlock's go.mod (go run ./cmd/gridlock, go build and
//     go install in a clone of the repository);
//   - the module cache's copy of the version this binary was built from
//     (go install github.com/gridlock-go/gridlock/cmd/gridlock@version,
//     which downloaded it there), so no network is needed.
func Source(getenv func(string) string) (string, error) {
	if dir := getenv(SourceEnv); dir != "" {
		if err := isSource(dir); err != nil {
			return "", fmt.Errorf("$%s: %w", SourceEnv, err)
		}
		return filepath.Abs(dir)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // internal/overlay/workspace.go
		if isSource(dir) == nil {
			return dir, nil
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		version := ""
		if bi.Main.Path == Module {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == Module {
				version = d.Version
				if d.Replace != nil && d.Replace.Version == "" {
					if isSource(d.Replace.Path) == nil {
						return d.Replace.Path, nil
					}
				}
			}
		}
		if version != "" && version != "(devel)" {
			cache := getenv("GOMODCACHE")
			if cache == "" {
				out, err := exec.Command("go", "env", "GOMODCACHE").Output()
				if err != nil {
					return "", fmt.Errorf("finding the module cache: %w", err)
				}
				cache = strings.TrimSpace(string(out))
			}
			dir := filepath.Join(cache, escapePath(Module)+"@"+version)
			if err := isSource(dir); err != nil {
				return "", fmt.Errorf("gridlock %s is not in the module cache (%w); run 'go mod download %s@%s' or set $%s", version, err, Module, version, SourceEnv)
			}
			return dir, nil
		}
	}
	return "", fmt.Errorf("cannot find gridlock's source: set $%s to the directory of a clone of %s", SourceEnv, Module)
}

// isSource reports why dir is not the root of gridlock's module source.
func isSource(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	if modulePath(b) != Module {
		return fmt.Errorf("%s is not the module %s", dir, Module)
	}
	if _, err := os.Stat(filepath.Join(dir, "agent")); err != nil {
		return fmt.Errorf("%s has no agent package: %w", dir, err)
	}
	return nil
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?`)

func modulePath(gomod []byte) string {
	if m := moduleLine.FindSubmatch(gomod); m != nil {
		return string(m[1])
	}
	return ""
}

// escapePath escapes a module path for the module cache: each upper-case
// letter becomes '!' and its lower-case form.
func escapePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Workspace writes, in temp, the go.work with which the instrumented build
// runs (GOWORK=<the returned path>): the user's module (or the modules of
// the user's own workspace) plus gridlock's source. It returns "" when no
// workspace is needed, because the user's module is gridlock itself.
func Workspace(dir, source, temp string, env []string) (string, error) {
	goEnv, err := goEnv(dir, env, "GOMOD", "GOWORK", "GOVERSION")
	if err != nil {
		return "", err
	}
	gomod, gowork := goEnv["GOMOD"], goEnv["GOWORK"]
	if gowork == "off" {
		gowork = ""
	}
	if gowork == "" && (gomod == "" || gomod == os.DevNull) {
		return "", errors.New("no go.mod in the current directory or any parent; gridlock test and gridlock run work on modules")
	}
	var uses []string
	var body bytes.Buffer
	if gowork != "" {
		out, err := goCmd(filepath.Dir(gowork), env, "work", "edit", "-json", gowork)
		if err != nil {
			return "", err
		}
		var w struct {
			Go        string
			Toolchain string
			Use       []struct{ DiskPath string }
			Replace   []struct {
				Old, New struct{ Path, Version string }
			}
		}
		if err := json.Unmarshal(out, &w); err != nil {
			return "", fmt.Errorf("reading %s: %w", gowork, err)
		}
		for _, u := range w.Use {
			uses = append(uses, absFrom(filepath.Dir(gowork), u.DiskPath))
		}
		// go work edit -json leaves the godebug lines out.
		src, err := os.ReadFile(gowork)
		if err != nil {
			return "", err
		}
		wf, err := modfile.ParseWork(gowork, src, nil)
		if err != nil {
			return "", err
		}
		var debug []godebug
		for _, d := range wf.Godebug {
			debug = append(debug, godebug{d.Key, d.Value})
		}
		writeGodebug(&body, w.Go, debug)
		for _, r := range w.Replace {
			old := r.Old.Path
			if r.Old.Version != "" {
				old += " " + r.Old.Version
			}
			nw := r.New.Path
			if r.New.Version != "" {
				nw += " " + r.New.Version
			} else {
				nw = absFrom(filepath.Dir(gowork), nw)
			}
			fmt.Fprintf(&body, "replace %s => %s\n", old, nw)
		}
	} else {
		root := filepath.Dir(gomod)
		b, err := os.ReadFile(gomod)
		if err != nil {
			return "", err
		}
		if modulePath(b) == Module {
			return "", nil // gridlock itself: its own packages are at hand
		}
		uses = append(uses, root)
		out, err := goCmd(root, env, "mod", "edit", "-json", gomod)
		if err != nil {
			return "", err
		}
		var m struct {
			Go      string
			Godebug []godebug
		}
		if err := json.Unmarshal(out, &m); err != nil {
			return "", fmt.Errorf("reading %s: %w", gomod, err)
		}
		writeGodebug(&body, m.Go, m.Godebug)
	}
	for _, u := range uses {
		if b, err := os.ReadFile(filepath.Join(u, "go.mod")); err == nil && modulePath(b) == Module {
			source = "" // the workspace has gridlock's source already
		}
	}
	if source != "" {
		uses = append(uses, source)
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "// Generated by gridlock for an instrumented build.\n\ngo %s\n\n", goVersion(goEnv["GOVERSION"]))
	for _, u := range uses {
		fmt.Fprintf(&w, "use %q\n", u)
	}
	w.Write(body.Bytes())
	path := filepath.Join(temp, "go.work")
	if err := os.WriteFile(path, w.Bytes(), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// A godebug is a godebug line of a go.mod or go.work.
type godebug struct{ Key, Value string }

// writeGodebug writes the godebug lines that keep, in the generated
// workspace, the run-time behaviour the user's build has: a main package's
// default GODEBUG settings follow the go line of its module (or of the
// user's workspace), and the generated go.work's go line is the
// toolchain's. A module at go 1.12 that seeds math/rand with rand.Seed, or
// relies on timers' channels before Go 1.23, must not run as go 1.26 code.
// goLine is the user's go line ("" for none: Go 1.16, as the go command
// assumes), debug their godebug lines.
func writeGodebug(w *bytes.Buffer, goLine string, debug []godebug) {
	if goLine == "" {
		goLine = "1.16"
	}
	set := false
	for _, d := range debug {
		set = set || d.Key == "default"
	}
	if !set {
		fmt.Fprintf(w, "godebug default=go%s\n", goLine)
	}
	for _, d := range debug {
		fmt.Fprintf(w, "godebug %s=%s\n", d.Key, d.Value)
	}
}

func absFrom(base, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}

var versionRE = regexp.MustCompile(`go(1\.\d+(\.\d+)?)`)

// goVersion returns the go line of the workspace: the toolchain's own
// version, which no module of a buildable workspace exceeds.
func goVersion(goversion string) string {
	if m := versionRE.FindStringSubmatch(goversion); m != nil {
		return m[1]
	}
	return "1.26"
}

func goEnv(dir string, env []string, vars ...string) (map[string]string, error) {
	out, err := goCmd(dir, env, append([]string{"env", "-json"}, vars...)...)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string)
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	return m, nil
}

func goCmd(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}
