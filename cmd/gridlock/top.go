package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gridlock-go/gridlock/internal/top"
)

var topCmd = &command{
	name:  "top",
	usage: "[-every duration] [-once] URL",
	short: "watch a running program's goroutines, locks and findings in the terminal",
	long: `
Top is a terminal console on a running program's live view: the JSON that
package debughttp serves at /debug/gridlock/ (imported by the program, or
added by gridlock run -http). URL is the program's address, such as
127.0.0.1:6060 or http://127.0.0.1:6060/debug/gridlock/.

Three tables, refreshed every -every: the goroutines grouped by state and
stack (how many, how long they have waited, where), the locks, channels and
other resources they hold and wait for, and the findings so far. Rows marked
"!" (red) are blocked for good: a deadlock or a partial deadlock.

Keys: up/down (or k/j) move, enter opens the detail of the row (the
goroutines of a group with what each holds and waits for and the stack; a
resource's holders and waiters; a finding's full report), esc goes back;
tab or 1, 2, 3 switch tables; s changes the sort order; / types a filter
(a substring of the row, its stack, its goroutines' names), enter applies
it, esc clears it; r refreshes now; q quits.

When standard output is not a terminal, or with -once, the tables are
printed once, without colors, and top exits: 0 if it read them, 1 if not.`,
}

func init() { topCmd.run = runTop }

func runTop(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	every := fs.Duration("every", 2*time.Second, "refresh the tables every `duration`")
	once := fs.Bool("once", false, "print the tables once, without colors, and exit")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage, errSilent
	}
	if *every <= 0 {
		return exitUsage, errors.New("-every must be positive")
	}
	base, err := top.BaseURL(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	in, inOK := ctx.stdin.(*os.File)
	out, outOK := ctx.stdout.(*os.File)
	var term *terminal
	if !*once && inOK && outOK {
		term, err = openTerminal(in, out)
		if err != nil && !errors.Is(err, errNotTerminal) {
			return 1, err
		}
	}
	if term == nil {
		d := top.Fetch(context.Background(), client, base, top.Data{})
		if d.Err != nil {
			return 1, d.Err
		}
		return 0, top.WriteTables(ctx.stdout, base.String(), d)
	}
	defer term.restore()
	return runConsole(term, client, base, *every)
}

// runConsole runs the console until the user quits.
func runConsole(term *terminal, client *http.Client, base *url.URL, every time.Duration) (int, error) {
	c := &top.Console{URL: base.String()}
	data := make(chan top.Data, 1)
	refresh := make(chan struct{}, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		var d top.Data
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), every+10*time.Second)
			d = top.Fetch(ctx, client, base, d)
			cancel()
			select {
			case data <- d:
			case <-stop:
				return
			}
			select {
			case <-tick.C:
			case <-refresh:
			case <-stop:
				return
			}
		}
	}()
	keys := make(chan []byte)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := term.in.Read(buf)
			if err != nil {
				close(keys)
				return
			}
			b := append([]byte(nil), buf[:n]...)
			select {
			case keys <- b:
			case <-stop:
				return
			}
		}
	}()
	resized := make(chan os.Signal, 1)
	notifyResize(resized)
	defer signal.Stop(resized)
	// Ended from outside: give the terminal back first.
	ended := make(chan os.Signal, 1)
	signal.Notify(ended, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(ended)
	for {
		w, h := term.size()
		term.draw(c.Render(w, h))
		select {
		case d := <-data:
			c.Update(d)
		case b, ok := <-keys:
			if !ok {
				return 0, nil
			}
			for _, k := range top.ParseKeys(b) {
				if c.Key(k) {
					select {
					case refresh <- struct{}{}:
					default:
					}
				}
			}
			if c.Quit() {
				return 0, nil
			}
		case <-resized:
		case <-ended:
			return 1, nil
		}
	}
}

// draw redraws the screen: the cursor home, each line cleared to its end,
// the rest of the screen cleared.
func (t *terminal) draw(lines []string) {
	var b strings.Builder
	b.WriteString("\x1b[H")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(l)
		b.WriteString("\x1b[K")
	}
	b.WriteString("\x1b[J")
	fmt.Fprint(t.out, b.String())
}
