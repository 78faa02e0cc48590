package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/gridlock-go/gridlock/analysis/passes"
	"github.com/gridlock-go/gridlock/internal/sarif"
)

var vetCmd = &command{
	name:  "vet",
	usage: vetUsage,
	short: "report deadlock risks found by static analysis",
	long:  vetLong,
	run:   runVet,
}

const vetUsage = "[-C dir] [-json] [-sarif file] [-fix [-diff]] [-tags list] [packages]"

const vetLong = `
Vet runs gridlock's static analyzers on the named packages (default ./...)
through "go vet", one package at a time with cross-package facts, and
prints what they find, one finding per line, each followed by its related
positions (where the lock was taken, the other edges of a cycle):

	lockblock    lock-held-across-blocking: a lock held across a channel
	             operation, select, WaitGroup.Wait, sleep, I/O, or a call
	             that may block
	lockorder    lock-order-inversion, hierarchy-violation: locks taken in
	             orders that form a cycle, or against //gridlock:level
	relock       recursive-lock, recursive-rlock: a lock taken again by its
	             holder, directly or through calls
	lockleak     lock-leak: a lock not released on some path
	selectlock   select-same-lock: a select that waits for what only the
	             lock's holder can give

Suppress a finding with a comment on its line, the line above, or the
doc comment of its function:

	//gridlock:ignore <kind> <reason>

A directive that suppresses nothing is reported. See docs/vet.md and
docs/annotations.md.

The -json flag prints go vet's JSON instead of text. The -sarif flag also
writes the findings as SARIF 2.1.0 to the file. The -fix flag applies the
suggested fixes (with -diff, prints them as a diff instead). Vet exits 1
if it finds anything or a package does not build, 2 on a bad command line.

The same analyzers run under "go vet -vettool=$(which gridlock-vet)" and in
golangci-lint as a module plugin.
`

// vettoolEnv, set to 1 in the environment of the go vet that runVet
// starts, makes this binary act as go vet's -vettool: go vet runs it once
// per package.
const vettoolEnv = "GRIDLOCK_VETTOOL"

func init() {
	if os.Getenv(vettoolEnv) == "1" {
		unitchecker.Main(passes.All()...) // never returns
	}
}

func runVet(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	jsonOut := fs.Bool("json", false, "print go vet's JSON output")
	sarifFile := fs.String("sarif", "", "also write the findings as SARIF 2.1.0 to `file`")
	fix := fs.Bool("fix", false, "apply the suggested fixes")
	diff := fs.Bool("diff", false, "with -fix, print the fixes as a diff instead of applying them")
	tags := fs.String("tags", "", "build `tags` for go vet")
	dir := fs.String("C", "", "run in `dir` instead of the current directory, as go -C does")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	if *diff && !*fix {
		fmt.Fprintln(ctx.stderr, "gridlock vet: -diff needs -fix")
		return exitUsage, errSilent
	}
	pkgs := fs.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	self, err := os.Executable()
	if err != nil {
		return 1, fmt.Errorf("finding the gridlock binary: %w", err)
	}
	goArgs := []string{"vet", "-vettool=" + self}
	if *tags != "" {
		goArgs = append(goArgs, "-tags="+*tags)
	}
	if *fix {
		// go vet -fix came with Go 1.26.
		if out, err := goCommand(*dir, []string{"env", "GOVERSION"}).Output(); err == nil {
			if v := strings.TrimSpace(string(out)); goMinor(v) < 26 {
				return exitUsage, fmt.Errorf("-fix needs the go vet of Go 1.26 or newer (the go command is %s)", v)
			}
		}
		goArgs = append(goArgs, "-fix")
		if *diff {
			goArgs = append(goArgs, "-diff")
		}
		goArgs = append(goArgs, pkgs...)
		cmd := goCommand(*dir, goArgs)
		cmd.Stdout, cmd.Stderr = ctx.stdout, ctx.stderr
		if err := cmd.Run(); err != nil {
			return exitCode(err)
		}
		return 0, nil
	}
	goArgs = append(goArgs, "-json")
	goArgs = append(goArgs, pkgs...)
	cmd := goCommand(*dir, goArgs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	findings, problems := parseVetJSON(out.Bytes())
	if *jsonOut {
		ctx.stdout.Write(out.Bytes())
	} else {
		for _, f := range findings {
			fmt.Fprintf(ctx.stderr, "%s: %s\n", relPosn(*dir, f.Posn), f.Message)
			for _, r := range f.Related {
				fmt.Fprintf(ctx.stderr, "\t%s: %s\n", relPosn(*dir, r.Posn), r.Message)
			}
		}
	}
	if *sarifFile != "" {
		if err := writeSARIF(*dir, *sarifFile, findings); err != nil {
			return 1, err
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(ctx.stderr, "gridlock vet: %s\n", p)
		}
		return 1, errSilent
	}
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) {
			return 1, fmt.Errorf("running go vet: %w", runErr)
		}
		return 1, fmt.Errorf("go vet failed: %s", firstLine(out.String()))
	}
	if len(findings) > 0 && !*jsonOut {
		return 1, errSilent
	}
	return 0, nil
}

func goCommand(dir string, args []string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), vettoolEnv+"=1")
	cmd.Stdin = nil
	return cmd
}

func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), errSilent
	}
	return 1, fmt.Errorf("running go vet: %w", err)
}

// vetDiag is one diagnostic of go vet's JSON output.
type vetDiag struct {
	Category string `json:"category"`
	Posn     string `json:"posn"`
	Message  string `json:"message"`
	Related  []struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	} `json:"related"`
}

// parseVetJSON reads the output of go vet -json: for each package a
// "# pkg" line and a JSON object mapping the package to analyzers to
// diagnostics (or to an error). Other lines are problems: a package that
// does not build, a bad pattern.
func parseVetJSON(out []byte) (findings []sarif.Finding, problems []string) {
	// go vet -json interleaves text and JSON objects.
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(make([]byte, 1<<20), 64<<20)
	var obj bytes.Buffer
	depth := 0
	for s.Scan() {
		line := s.Text()
		if depth == 0 {
			switch {
			case strings.HasPrefix(line, "{"):
			case strings.HasPrefix(line, "# "), strings.TrimSpace(line) == "":
				continue
			default:
				problems = append(problems, strings.TrimPrefix(line, "vet: "))
				continue
			}
		}
		obj.WriteString(line)
		obj.WriteByte('\n')
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth > 0 {
			continue
		}
		depth = 0
		var tree map[string]map[string]json.RawMessage
		if err := json.Unmarshal(obj.Bytes(), &tree); err != nil {
			problems = append(problems, "unreadable go vet output: "+firstLine(obj.String()))
			obj.Reset()
			continue
		}
		obj.Reset()
		for _, analyzers := range tree {
			for name, raw := range analyzers {
				var diags []vetDiag
				if err := json.Unmarshal(raw, &diags); err != nil {
					var e struct {
						Error string `json:"error"`
					}
					if json.Unmarshal(raw, &e) == nil && e.Error != "" {
						problems = append(problems, name+": "+e.Error)
					}
					continue
				}
				for _, d := range diags {
					f := sarif.Finding{Kind: d.Category, Posn: d.Posn, Message: d.Message}
					if f.Kind == "" {
						f.Kind = name
					}
					for _, r := range d.Related {
						f.Related = append(f.Related, sarif.Related{Posn: r.Posn, Message: r.Message})
					}
					findings = append(findings, f)
				}
			}
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Posn < findings[j].Posn })
	problems = dedupe(problems)
	return findings, problems
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// writeSARIF writes the findings to file as SARIF, with paths relative to
// dir (the working directory if "").
func writeSARIF(dir, file string, findings []sarif.Finding) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file) // as go -C, relative to dir
	}
	var b bytes.Buffer
	if err := sarif.Write(&b, "gridlock vet", "", root, findings); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o666); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}

// relPosn shortens a position to one relative to dir (the working
// directory if "").
func relPosn(dir, posn string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return posn
	}
	if rel, err := filepath.Rel(dir, posn); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return posn
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// goMinor returns N of a Go version "go1.N[.P]" (or "go1.Nrc1"), or 0.
func goMinor(v string) int {
	rest, ok := strings.CutPrefix(v, "go1.")
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
