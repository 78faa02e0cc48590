package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/agent"
)

var runCmd = &command{
	name:  "run",
	usage: "[flags] package [-- program arguments]",
	short: "run a program with deadlock detection, without editing it",
	long: `
Run builds the main package with the same instrumentation as gridlock test
(an overlay in which your files import gridlock's mirror of sync and
call its hooks for channel operations, selects and go statements; no file
of yours is written) and runs it with the given arguments, its standard
input, output and error being this command's, to reproduce a freeze of a
service started locally.

Findings are printed on standard error as they come. Every -wait the
program is examined: goroutines blocked for good are reported, and a
program none of whose goroutines can run any more (a frozen program, which
gridlock's watching keeps the runtime from calling a deadlock itself) is
reported and stopped.

-http ADDR serves the program's live view on ADDR while it runs, as if it
imported package debughttp: the page at http://ADDR/debug/gridlock/ (the
goroutines grouped by stack and state, the locks and channels they hold and
wait for, the wait-for graph with its cycles, the findings), its JSON
(api/snapshot, api/findings, which gridlock top reads) and Prometheus
metrics. An address without a host, such as :6060, is served on the
loopback interface only (127.0.0.1:6060); give 0.0.0.0:6060 to serve on
every interface, and never on a network you do not trust: the view shows
what a goroutine dump shows. Port 0 picks a free port. When the server
listens, gridlock prints "gridlock: serving http://ADDR/debug/gridlock/" on
standard error. With -http a frozen program is reported but not stopped:
it is left running to be looked at, until you interrupt it.

The exit status is 1 if anything was found, 2 if the package does not load
or build, and otherwise the program's.`,
	run: runRun,
}

func runRun(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	var flags commonFlags
	flags.register(fs)
	fs.StringVar(&flags.http, "http", "", "serve the program's live view (/debug/gridlock/) on `ADDR`, such as :6060 (loopback) or 127.0.0.1:0")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	rest := fs.Args()
	var progArgs []string
	for i, a := range rest {
		if a == "--" {
			rest, progArgs = rest[:i], rest[i+1:]
			break
		}
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitUsage, errSilent
	}
	if flags.wait <= 0 {
		return exitUsage, errors.New("-wait must be positive")
	}
	if flags.http != "" {
		if _, _, err := net.SplitHostPort(flags.http); err != nil {
			return exitUsage, fmt.Errorf("-http %s: want host:port or :port (%v)", flags.http, err)
		}
	}
	s, code, err := newSession(ctx, &flags, rest, nil, false)
	if err != nil {
		return code, err
	}
	defer s.close()
	if len(s.plan.Targets) != 1 {
		return exitUsage, fmt.Errorf("%s names %d packages; name one main package", rest[0], len(s.plan.Targets))
	}
	bin := filepath.Join(s.temp, "prog")
	build := exec.Command("go", "build", "-overlay", s.plan.OverlayFile, "-o", bin, rest[0])
	build.Env = s.env
	build.Dir = s.dir
	build.Stdout, build.Stderr = ctx.stderr, ctx.stderr
	if err := build.Run(); err != nil {
		return exitBuild, errSilent
	}
	prog := exec.Command(bin, progArgs...)
	prog.Env = s.env
	if flags.http != "" {
		prog.Env = append(slices.Clip(s.env), agent.HTTPEnv+"="+flags.http)
	}
	prog.Stdin, prog.Stdout, prog.Stderr = ctx.stdin, ctx.stdout, ctx.stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	if err := prog.Start(); err != nil {
		return 1, err
	}
	exited := make(chan error, 1)
	go func() { exited <- prog.Wait() }()
	sup := s.supervisor()
	sup.Program = true
	served := flags.http == ""
	if !served {
		sup.Keep = func(key, msg string) {
			fmt.Fprintf(ctx.stderr, "gridlock: %s; left running to be looked at: interrupt it to stop\n", msg)
		}
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			sup.Finish()
			status := 0
			if err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					return 1, err
				}
				status = ee.ExitCode()
				if status < 0 {
					status = 1 // killed by a signal
				}
			}
			s.logf("gridlock: %s exited with status %d", strings.Join(prog.Args, " "), status)
			return s.finish(status)
		case <-tick.C:
			if !served {
				// The program's server writes the address it listens on.
				if b, err := os.ReadFile(filepath.Join(s.temp, "agent", strconv.Itoa(prog.Process.Pid)+".http")); err == nil {
					served = true
					fmt.Fprintf(ctx.stderr, "gridlock: serving http://%s/debug/gridlock/\n", b)
				}
			}
			sup.Poll()
		case <-sigs:
			// The program got the interrupt too; wait for it to end.
		}
	}
}
