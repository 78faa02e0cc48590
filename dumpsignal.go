package gridlock

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// DumpOnSignal writes a dump of the program each time the process receives
// sig (for instance syscall.SIGUSR1): gridlock's wait-for graph (see
// Snapshot) and the stack of every goroutine, the input gridlock analyze
// reads to name the exact holders of gridlock's locks. The program goes on
// running; the world is stopped only while the stacks are copied.
//
// Each dump is written to w, or, if w is nil, to a new file named
// gridlock-PID-TIME.txt in os.TempDir(), whose name is printed on standard
// error. Calling the returned function stops the dumps.
func DumpOnSignal(sig os.Signal, w io.Writer) (stop func()) {
	c := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(c, sig)
	go func() {
		for {
			select {
			case <-c:
				dumpOnce(w)
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(c)
			close(done)
		})
	}
}

var dumpMu sync.Mutex // serializes dumps to one writer

func dumpOnce(w io.Writer) {
	dumpMu.Lock()
	defer dumpMu.Unlock()
	if w != nil {
		if err := WriteDump(w); err != nil {
			fmt.Fprintf(os.Stderr, "gridlock: writing dump: %v\n", err)
		}
		return
	}
	name := filepath.Join(os.TempDir(), fmt.Sprintf("gridlock-%d-%s.txt", os.Getpid(), time.Now().Format("20060102T150405.000")))
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gridlock: creating dump: %v\n", err)
		return
	}
	err = WriteDump(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gridlock: writing dump %s: %v\n", name, err)
		return
	}
	fmt.Fprintf(os.Stderr, "gridlock: dump written to %s\n", name)
}

// WriteDump writes a dump of the program to w: a line "gridlock snapshot
// TIME", gridlock's wait-for graph as one line of JSON, then the stack of
// every goroutine as runtime.Stack prints it. gridlock analyze reads it.
func WriteDump(w io.Writer) error {
	snap, err := json.Marshal(Snapshot())
	if err != nil {
		return fmt.Errorf("encoding the snapshot: %w", err)
	}
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 256<<20 {
			break // keep what fits
		}
		buf = make([]byte, 2*len(buf))
	}
	if _, err := fmt.Fprintf(w, "gridlock snapshot %s\n%s\n\n", time.Now().Format(time.RFC3339Nano), snap); err != nil {
		return err
	}
	if _, err := w.Write(buf); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}
