package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/gridlock-go/gridlock/analysis/dumpsrc"
	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
)

var analyzeCmd = &command{
	name:  "analyze",
	usage: "[-src dir | -nosrc] [-json file] [-dot file] [-html file] [-filter pattern] [-v] [file | - | -url URL | -pid PID -kill-ok]",
	short: "explain a goroutine dump: deadlock, blocked goroutines, contention or a busy loop",
	long: `
Analyze reads a goroutine dump and says what it shows: a deadlock (a
circular wait), goroutines blocked for good (a partial deadlock), lock
contention (slow, not stuck), a goroutine busy in a loop, or nothing wrong.
It prints a one-screen summary, then with -v the report of each finding and
every distinct stack.

The dump is read from the file named, or from standard input if the name is
"-" or absent. Every format Go writes is understood: a panic or SIGQUIT
traceback (at any GOTRACEBACK level), net/http/pprof's goroutine?debug=2 and
?debug=1, a go test timeout, the goroutineleak profile of Go 1.26, and such
dumps inside log files, whatever prefix each line has. The output of
gridlock.DumpOnSignal adds gridlock's own wait-for graph, which names the
exact holders of gridlock's locks.

-url reads the dump from a live process's net/http/pprof endpoint, e.g.
-url http://localhost:6060 (the path /debug/pprof/goroutine?debug=2 is added
if none is given; -leak asks for the goroutineleak profile instead). -pid
names a local process: with -url its endpoint is read; with -kill-ok it is
sent SIGQUIT, which ends it, and the dump is read from the file its standard
error goes to. A goroutine dump does not show who holds a sync.Mutex nor what
a select waits for: the summary says how sure each finding is, and how to be
surer.

-json, -dot and -html write the findings as JSON, the wait-for graph in
Graphviz DOT, and a self-contained web page (summary, collapsible stacks and
the graph as an inline SVG) to the file named, or to standard output for "-".

A dump does not show who holds a sync.Mutex; the program's source does.
Inside the program's checkout (the module of the current directory), or
with -src naming it, analyze reads the source of the packages on the dump's
stacks and says what each blocked goroutine holds where it stopped ("holds
mu (locked at main.go:22, per the source)") and which goroutines may end
each wait. Frames are matched to files by module path, so dumps of -trimpath
builds and of other machines work; a file whose lines do not match the dump
is said to be another version, and not used. -nosrc turns this off.

The exit status is 1 when goroutines are stuck (a deadlock or a partial
deadlock), 0 otherwise (lock contention, long waits and busy loops are
reported but exit 0), and 2 when the input cannot be read.
`,
}

func init() { analyzeCmd.run = runAnalyze }

// exitUnreadable is the exit status for input that is not a dump.
const exitUnreadable = 2

func runAnalyze(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	jsonOut := fs.String("json", "", "write the findings as JSON to `file` (- for standard output)")
	dotOut := fs.String("dot", "", "write the wait-for graph in DOT to `file` (- for standard output)")
	htmlOut := fs.String("html", "", "write a self-contained web page to `file` (- for standard output)")
	filter := fs.String("filter", "", "show only goroutines with a frame whose function or file contains `pattern`")
	verbose := fs.Bool("v", false, "print each finding's report and every distinct stack after the summary")
	rawURL := fs.String("url", "", "read the dump from the net/http/pprof endpoint at `URL`")
	leak := fs.Bool("leak", false, "with -url, read the goroutineleak profile (Go 1.26, GOEXPERIMENT=goroutineleakprofile)")
	pid := fs.Int("pid", 0, "analyze the local process `PID` (with -url, or with -kill-ok)")
	killOK := fs.Bool("kill-ok", false, "with -pid, send SIGQUIT to the process, which ends it, and read its dump")
	srcDir := fs.String("src", "", "read the program's source from the module in `dir` (default: the module of the current directory, if any)")
	noSrc := fs.Bool("nosrc", false, "do not read the program's source")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(ctx.stderr, "gridlock analyze: more than one input\n")
		return exitUsage, errSilent
	}
	d, err := readInput(ctx, fs.Arg(0), *rawURL, *leak, *pid, *killOK)
	if err != nil {
		return exitUnreadable, err
	}
	var src dump.Source
	var prog *dumpsrc.Program
	if !*noSrc {
		p, err := openSource(*srcDir, d)
		if err != nil {
			return exitUnreadable, err
		}
		if p != nil {
			src, prog = p, p
		}
	}
	a := dump.AnalyzeSource(d, src)
	if prog != nil {
		for _, p := range prog.Problems {
			a.Notes = append(a.Notes, "source: "+p)
		}
	}
	a = a.Filter(*filter)

	stdoutTaken := *jsonOut == "-" || *dotOut == "-" || *htmlOut == "-"
	textOut := ctx.stdout
	if stdoutTaken {
		textOut = ctx.stderr
	}
	if err := a.WriteText(textOut, *verbose); err != nil {
		return exitUnreadable, err
	}
	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{*jsonOut, func(w io.Writer) error { return report.WriteJSON(w, a.Findings) }},
		{*dotOut, func(w io.Writer) error { return report.WriteDOT(w, a.Findings) }},
		{*htmlOut, a.WriteHTML},
	}
	for _, o := range outputs {
		if o.name == "" {
			continue
		}
		if err := writeTo(ctx, o.name, o.write); err != nil {
			return exitUnreadable, err
		}
	}
	if a.Stuck() {
		return 1, nil
	}
	return 0, nil
}

// openSource loads the program's source for the dump d: from the module in
// dir, or, when dir is empty, from the module of the current directory if
// there is one and the dump's frames are in it. It returns nil when there
// is no source to read.
func openSource(dir string, d *dump.Dump) (*dumpsrc.Program, error) {
	explicit := dir != ""
	if !explicit {
		dir = "."
	}
	p, err := dumpsrc.Open(dir)
	if err != nil {
		if explicit {
			return nil, fmt.Errorf("-src: %w", err)
		}
		return nil, nil
	}
	if err := p.Load(d); err != nil {
		if explicit {
			return nil, fmt.Errorf("-src: %w", err)
		}
		return nil, nil
	}
	return p, nil
}

// writeTo writes to the file named, or to standard output for "-".
func writeTo(ctx *env, name string, write func(io.Writer) error) error {
	if name == "-" {
		return write(ctx.stdout)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// readInput reads and parses the dump from wherever the flags say.
func readInput(ctx *env, file, rawURL string, leak bool, pid int, killOK bool) (*dump.Dump, error) {
	switch {
	case rawURL != "":
		if file != "" {
			return nil, errors.New("both a file and -url given")
		}
		return fetch(rawURL, leak)
	case pid != 0:
		if file != "" {
			return nil, errors.New("both a file and -pid given")
		}
		if !killOK {
			return nil, fmt.Errorf("-pid %d needs -url (the process's net/http/pprof address) or -kill-ok (SIGQUIT ends the process)", pid)
		}
		return quitProcess(pid)
	case file == "" || file == "-":
		d, err := dump.Parse(ctx.stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return d, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := dump.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return d, nil
}

// fetch reads a dump from a net/http/pprof endpoint.
func fetch(rawURL string, leak bool) (*dump.Dump, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme == "" {
		u, err = url.Parse("http://" + rawURL)
		if err != nil {
			return nil, fmt.Errorf("-url: %w", err)
		}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/debug/pprof/goroutine"
		if leak {
			u.Path = "/debug/pprof/goroutineleak"
		}
		u.RawQuery = "debug=2"
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	d, err := dump.Parse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return d, nil
}
