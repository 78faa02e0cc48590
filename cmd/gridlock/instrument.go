package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/agent"
	"github.com/gridlock-go/gridlock/internal/overlay"
	"github.com/gridlock-go/gridlock/internal/supervise"
	"github.com/gridlock-go/gridlock/report"
)

// exitBuild is the exit status when the packages do not load or build.
const exitBuild = 2

// commonFlags are the flags of gridlock test and gridlock run.
type commonFlags struct {
	json    string
	wait    time.Duration
	off     kindList
	verbose bool
	leaks   bool
	dir     string
	http    string // gridlock run -http: the address the program serves its live view on
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.json, "json", "", "write all findings to `file` as a JSON array (- for standard output)")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "hang threshold: examine a process that made no progress for this long")
	fs.Var(&c.off, "off", "comma-separated `kinds` of findings not to report")
	fs.BoolVar(&c.verbose, "v", false, "verbose: print every test's output and what gridlock does")
	fs.StringVar(&c.dir, "C", "", "run in `dir` instead of the current directory, as go -C does")
	fs.BoolVar(&c.leaks, "leaks", true, "build with the runtime's goroutine leak detector (GOEXPERIMENT=goroutineleakprofile) where the toolchain has it")
}

// kindList is a flag holding finding kinds.
type kindList []report.Kind

func (k *kindList) String() string {
	var s []string
	for _, x := range *k {
		s = append(s, string(x))
	}
	return strings.Join(s, ",")
}

func (k *kindList) Set(v string) error {
	for name := range strings.SplitSeq(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !report.Kind(name).Known() {
			return fmt.Errorf("unknown kind %q (see gridlock findings)", name)
		}
		*k = append(*k, report.Kind(name))
	}
	return nil
}

// splitArgs splits the arguments after the flags into packages and the
// flags for the go command: everything from the first argument that
// starts with "-" on, with a "--" dropped.
func splitArgs(args []string) (pkgs, goFlags []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
		if strings.HasPrefix(a, "-") {
			return args[:i], args[i:]
		}
	}
	return args, nil
}

// buildFlags returns the go flags that change which files are built, for
// loading the packages the way go test will build them.
func buildFlags(goFlags []string) []string {
	var out []string
	for i := 0; i < len(goFlags); i++ {
		f := goFlags[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		switch name {
		case "tags", "mod", "modfile":
			out = append(out, f)
			if !hasValue && i+1 < len(goFlags) {
				i++
				out = append(out, goFlags[i])
			}
		case "race", "msan", "asan", "cover":
			out = append(out, f)
		}
	}
	return out
}

// flagValue returns the value of the last -name flag in goFlags.
func flagValue(goFlags []string, names ...string) (string, bool) {
	val, found := "", false
	for i := 0; i < len(goFlags); i++ {
		name, v, hasValue := strings.Cut(strings.TrimLeft(goFlags[i], "-"), "=")
		if !slices.Contains(names, name) {
			continue
		}
		if !hasValue && i+1 < len(goFlags) {
			i++
			v = goFlags[i]
		}
		val, found = v, true
	}
	return val, found
}

// session is an instrumented build in a temporary directory.
type session struct {
	ctx    *env
	flags  *commonFlags
	dir    string // where the go command runs
	temp   string
	work   string // the go.work, or ""
	plan   *overlay.Plan
	env    []string // environment of the go command and the processes
	goroot string
	// found keeps one finding per bug, counting repeats across tests and
	// test binaries.
	found report.Set
	// jitterSeed is the seed of gridlock test -jitter, 0 without.
	jitterSeed uint64
}

// taggedFinding is a finding and where it comes from, as -json writes it.
type taggedFinding struct {
	Package string `json:"package"`
	*report.Finding
}

// newSession locates gridlock's source, writes the workspace and the
// overlay. The caller must call close.
func newSession(ctx *env, flags *commonFlags, patterns, goFlags []string, tests bool, steps ...overlay.Step) (*session, int, error) {
	s := &session{ctx: ctx, flags: flags}
	src, err := overlay.Source(ctx.getenv)
	if err != nil {
		return nil, 1, err
	}
	dir, err := filepath.Abs(flags.dir)
	if err != nil {
		return nil, 1, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, exitUsage, fmt.Errorf("-C %s: not a directory", flags.dir)
	}
	s.dir = dir
	s.temp, err = os.MkdirTemp("", "gridlock-")
	if err != nil {
		return nil, 1, err
	}
	baseEnv := os.Environ()
	s.work, err = overlay.Workspace(dir, src, s.temp, baseEnv)
	if err != nil {
		s.close()
		return nil, exitBuild, err
	}
	s.plan, err = overlay.Build(overlay.Options{
		Dir:        dir,
		Patterns:   patterns,
		Tests:      tests,
		BuildFlags: buildFlags(goFlags),
		Temp:       s.temp,
		Serve:      flags.http != "",
		Steps:      steps,
	})
	if err != nil {
		s.close()
		var le *overlay.LoadError
		if errors.As(err, &le) {
			for _, e := range le.Errors {
				fmt.Fprintln(ctx.stderr, e)
			}
			return nil, exitBuild, errSilent
		}
		return nil, exitBuild, err
	}
	s.goroot = goEnvVar("GOROOT")
	agentDir := filepath.Join(s.temp, "agent")
	if err := os.Mkdir(agentDir, 0o755); err != nil {
		s.close()
		return nil, 1, err
	}
	s.env = childEnv(baseEnv, s.work, agentDir, flags.leaks && leakProfile(s.goroot), flags.off)
	s.logf("gridlock: %d files rewritten, %d packages; overlay in %s", s.plan.Rewritten, len(s.plan.Targets), s.temp)
	return s, 0, nil
}

func (s *session) logf(format string, args ...any) {
	if s.flags.verbose {
		fmt.Fprintf(s.ctx.stderr, format+"\n", args...)
	}
}

func (s *session) close() {
	if s.temp == "" {
		return
	}
	if s.ctx.getenv("GRIDLOCK_KEEP") != "" {
		// For debugging gridlock itself: keep the overlay, the workspace
		// and the agents' snapshots.
		fmt.Fprintf(s.ctx.stderr, "gridlock: kept %s\n", s.temp)
		return
	}
	os.RemoveAll(s.temp)
}

// supervisor returns a supervisor that reports to the session.
func (s *session) supervisor() *supervise.Supervisor {
	return &supervise.Supervisor{
		Dir:    filepath.Join(s.temp, "agent"),
		Wait:   s.flags.wait,
		GOROOT: s.goroot,
		Off:    s.flags.off,
		Report: s.report,
		Logf: func(format string, args ...any) {
			s.logf("gridlock: "+format, args...)
		},
	}
}

// report prints a finding the first time its bug is seen, and keeps it,
// with the count of its repeats, for -json and the summary.
func (s *session) report(key string, f *report.Finding) {
	if s.found.Add(key, f) {
		report.WriteText(s.ctx.stderr, f)
		if s.jitterSeed != 0 {
			fmt.Fprintf(s.ctx.stderr, "gridlock test: found with jitter seed %d (repeat with -jitter-seed %d)\n", s.jitterSeed, s.jitterSeed)
		}
	}
}

// finish writes -json and the summary, and returns the exit status: 1 if
// anything was found, else status.
func (s *session) finish(status int) (int, error) {
	found := s.found.Findings()
	if s.flags.json != "" {
		out := []taggedFinding{}
		for _, f := range found {
			pkg := ""
			if len(f.Tests) > 0 {
				pkg = f.Tests[0] // where it was seen first
			}
			out = append(out, taggedFinding{pkg, f})
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return 1, err
		}
		b = append(b, '\n')
		if s.flags.json == "-" {
			s.ctx.stdout.Write(b)
		} else if err := os.WriteFile(s.flags.json, b, 0o644); err != nil {
			return 1, err
		}
	}
	if len(found) == 0 {
		return status, nil
	}
	s.found.WriteSummary(s.ctx.stderr)
	return 1, nil
}

// childEnv is the environment of the instrumented build and its
// processes. The kinds turned off reach the processes' detectors as
// GRIDLOCK_OFF, so that they do not even build those findings.
func childEnv(base []string, work, agentDir string, leaks bool, off kindList) []string {
	var env []string
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", agent.DirEnv:
			continue
		case "GRIDLOCK_OFF":
			if len(off) > 0 {
				continue // merged below
			}
		case "GOFLAGS":
			if work != "" {
				// -mod=mod and -modfile are not allowed in workspace mode.
				var keep []string
				for f := range strings.FieldsSeq(v) {
					if !strings.HasPrefix(f, "-mod=") && !strings.HasPrefix(f, "-modfile=") {
						keep = append(keep, f)
					}
				}
				kv = "GOFLAGS=" + strings.Join(keep, " ")
			}
		case "GOEXPERIMENT":
			if leaks {
				continue
			}
		}
		env = append(env, kv)
	}
	if work != "" {
		env = append(env, "GOWORK="+work)
	} else {
		env = append(env, "GOWORK=off")
	}
	env = append(env, agent.DirEnv+"="+agentDir)
	if len(off) > 0 {
		v := off.String()
		if old := os.Getenv("GRIDLOCK_OFF"); old != "" {
			v = old + "," + v
		}
		env = append(env, "GRIDLOCK_OFF="+v)
	}
	if leaks {
		exp := os.Getenv("GOEXPERIMENT")
		if exp != "" {
			exp += ","
		}
		env = append(env, "GOEXPERIMENT="+exp+"goroutineleakprofile")
	}
	return env
}

// leakProfile reports whether the toolchain has the goroutine leak
// profile experiment.
func leakProfile(goroot string) bool {
	_, err := os.Stat(filepath.Join(goroot, "src", "internal", "goexperiment", "exp_goroutineleakprofile_on.go"))
	return err == nil
}

func goEnvVar(name string) string {
	out, err := execOutput("go", "env", name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
