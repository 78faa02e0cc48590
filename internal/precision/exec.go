package precision

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ExecRunner fetches modules with go mod download and runs their suites
// with go test and gridlock test.
type ExecRunner struct {
	Go       string   // the go command; "go" if empty
	Gridlock string   // the gridlock binary
	Source   string   // gridlock's source, as $GRIDLOCK_SRC; "" leaves it unset
	Flags    []string // flags of gridlock test, before the packages
	Env      []string // the environment; os.Environ() if nil
	// Grace is how long past go test's -timeout a command may run (builds
	// included) before it is interrupted, and then killed 20 s later; the
	// -timeout again plus 5 minutes if 0.
	Grace time.Duration
	// MaxMemory, if positive, is the most memory (resident, in bytes) that
	// the command's processes may use together; past it they are killed.
	// It is checked every 2 s, on Linux only.
	MaxMemory int64
}

func (e *ExecRunner) goCmd() string {
	if e.Go == "" {
		return "go"
	}
	return e.Go
}

// env returns the environment with the given variables set.
func (e *ExecRunner) env(set ...string) []string {
	env := e.Env
	if env == nil {
		env = os.Environ()
	}
	env = slices.Clone(env)
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(s string) bool { return strings.HasPrefix(s, k+"=") })
		env = append(env, kv)
	}
	return env
}

// Fetch downloads the module through the module proxy (go mod download)
// and copies it from the module cache to dst, writable. A module without a
// go.mod (+incompatible) gets one naming its path.
func (e *ExecRunner) Fetch(ctx context.Context, m *Module, dst string) error {
	cmd := exec.CommandContext(ctx, e.goCmd(), "mod", "download", "-json", m.String())
	cmd.Dir = filepath.Dir(dst)
	cmd.Env = e.env("GOFLAGS=", "GOWORK=off", "GO111MODULE=on", "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil || info.Error != "" || err != nil {
		switch {
		case info.Error != "":
			return errors.New(info.Error)
		case err != nil:
			return fmt.Errorf("go mod download: %v: %s", err, firstLine(stderr.String()))
		}
		return fmt.Errorf("go mod download: %v", jerr)
	}
	if err := os.CopyFS(dst, os.DirFS(info.Dir)); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dst, "go.mod")); errors.Is(err, os.ErrNotExist) {
		return os.WriteFile(filepath.Join(dst, "go.mod"), []byte("module "+m.Path+"\n"), 0o644)
	}
	return nil
}

// Test runs the suite with go test -json, or gridlock test -json FILE ...
// -- -json, and reads the test events that go test prints.
func (e *ExecRunner) Test(ctx context.Context, dir, work string, s Suite, timeout time.Duration, gridlock bool) *Outcome {
	o := &Outcome{Packages: make(map[string]string), Log: filepath.Join(work, "output.log")}
	tmp := filepath.Join(work, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		o.Err = err
		return o
	}
	goFlags := append([]string{"-json", "-count=1", "-timeout=" + timeout.String()}, s.Flags...)
	var cmd *exec.Cmd
	if gridlock {
		o.Findings = filepath.Join(work, "findings.json")
		args := append([]string{"test", "-json", o.Findings}, e.Flags...)
		args = append(append(args, s.Packages...), "--")
		cmd = exec.Command(e.Gridlock, append(args, goFlags...)...)
		env := []string{"GOFLAGS=", "GOTOOLCHAIN=local", "TMPDIR=" + tmp}
		if e.Source != "" {
			env = append(env, "GRIDLOCK_SRC="+e.Source)
		}
		cmd.Env = e.env(env...)
	} else {
		cmd = exec.Command(e.goCmd(), append(append([]string{"test"}, goFlags...), s.Packages...)...)
		// -mod=mod: a module's go.sum may lack its tests' dependencies.
		cmd.Env = e.env("GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local", "TMPDIR="+tmp)
	}
	cmd.Dir = dir
	log, err := os.OpenFile(o.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		o.Err = err
		return o
	}
	defer log.Close()
	fmt.Fprintf(log, "$ cd %s && %s\n", dir, strings.Join(cmd.Args, " "))
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		o.Err = err
		return o
	}
	newProcessGroup(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		o.Err = err
		return o
	}
	grace := e.Grace
	if grace <= 0 {
		grace = timeout + 5*time.Minute
	}
	stop := make(chan struct{})
	stopped := make(chan string, 1) // why it was stopped, or ""
	go func() {
		deadline := time.NewTimer(timeout + grace)
		defer deadline.Stop()
		poll := time.NewTicker(2 * time.Second)
		defer poll.Stop()
		why := ""
		for why == "" {
			select {
			case <-stop:
				stopped <- ""
				return
			case <-deadline.C:
				why = "deadline"
			case <-ctx.Done():
				why = "interrupted"
			case <-poll.C:
				if rss := groupRSS(cmd.Process.Pid); e.MaxMemory > 0 && rss > e.MaxMemory {
					// Stop at once: a process that grows this fast may
					// take the machine with it before it handles an
					// interrupt.
					killGroup(cmd)
					stopped <- fmt.Sprintf("killed at %d MB of memory", rss>>20)
					return
				}
			}
		}
		interruptGroup(cmd)
		kill := time.NewTimer(20 * time.Second)
		defer kill.Stop()
		select {
		case <-stop:
		case <-kill.C:
			killGroup(cmd)
		}
		stopped <- why
	}()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		log.Write(append(line, '\n'))
		var ev struct {
			Action, Package, Test, FailedBuild, Output string
			Elapsed                                    float64
		}
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		if ev.Action == "output" && strings.HasPrefix(ev.Output, "panic: test timed out after") {
			o.TestTimeout = true
		}
		switch {
		case ev.Action == "build-fail" || ev.FailedBuild != "":
			o.BuildFailed = true
		case ev.Package == "":
		case ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip"):
			o.Packages[ev.Package] = ev.Action
			o.Elapsed += time.Duration(ev.Elapsed * float64(time.Second))
		case ev.Action == "fail":
			o.Failed = append(o.Failed, ev.Package+" "+ev.Test)
		}
	}
	err = cmd.Wait()
	o.Wall = time.Since(start)
	close(stop)
	switch why := <-stopped; why {
	case "":
	case "deadline":
		o.TimedOut = true
	case "interrupted":
		o.Killed = "interrupted"
	default:
		o.Killed = why
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			o.Err = err
		} else {
			o.Status = ee.ExitCode()
		}
	}
	if gridlock && o.Status == 2 && len(o.Packages) == 0 {
		o.BuildFailed = true // gridlock test: the packages do not load or build
	}
	return o
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
