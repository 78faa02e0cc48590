package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair through /dev/ptmx, with the given
// size, and returns its master and slave ends.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	unlock := int32(0)
	if err := ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	var n uint32
	if err := ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	ws := [4]uint16{uint16(rows), uint16(cols)}
	if err := ioctl(master.Fd(), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatalf("setting the window size: %v", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// console is gridlock top running on a pseudo-terminal.
type console struct {
	t      *testing.T
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan error
}

var sgrOrMode = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

// screen returns the text of the last frame the console drew completely:
// each frame starts with the cursor home and ends with clear-to-end.
func (c *console) screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.out.String()
	end := strings.LastIndex(s, "\x1b[J")
	if end < 0 {
		return ""
	}
	start := strings.LastIndex(s[:end], "\x1b[H")
	if start < 0 {
		return ""
	}
	return sgrOrMode.ReplaceAllString(s[start:end], "")
}

// waitFor waits until the screen contains every string of want, and
// returns it.
func (c *console) waitFor(want ...string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := c.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the screen does not show %q:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *console) press(keys string) {
	c.t.Helper()
	if _, err := c.master.Write([]byte(keys)); err != nil {
		c.t.Fatal(err)
	}
}

func startTop(t *testing.T, url string) *console {
	master, slave := openPTY(t, 120, 30)
	cmd := exec.Command(gridlockBin, "top", "-every", "200ms", url)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	c := &console{t: t, master: master, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			c.mu.Lock()
			c.out.Write(buf[:n])
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		master.Close()
	})
	return c
}

func TestTopUnderPTY(t *testing.T) {
	srv := liveView(t)
	c := startTop(t, srv.URL)

	// The goroutines: both of the deadlock, marked, and the workers.
	s := c.waitFor("BLOCKED FOR GOOD: deadlock", "main.transferAB", "main.transferBA", "main.worker", "sort: blocked")
	if !regexp.MustCompile(`(?m)^! 1 +sync\.Mutex\.Lock +12\.5s +main\.transferAB`).MatchString(s) {
		t.Errorf("the deadlocked goroutine's row is not marked:\n%s", s)
	}

	// Sort: s cycles to count; the six workers come first.
	c.press("s")
	s = c.waitFor("sort: count")
	if strings.Index(s, "main.worker") > strings.Index(s, "main.transferAB") {
		t.Errorf("sorted by count, the workers are not first:\n%s", s)
	}

	// Filter: only teller-ba's group is left.
	c.press("/teller-ba\r")
	s = c.waitFor(`filter: "teller-ba"`, "main.transferBA")
	if strings.Contains(s, "main.transferAB") || strings.Contains(s, "main.worker") {
		t.Errorf("the filter let other rows through:\n%s", s)
	}

	// Detail: the goroutine, what it holds and waits for, its stack.
	c.press("\r")
	c.waitFor(`goroutine 8 "teller-ba" (blocked for good)`, "waits to lock mutex main.accountA", "holds (lock) mutex main.accountB", "in a deadlock: goroutines #7 #8", "/src/bank/main.go:28")

	// Back, clear the filter, the findings table and the finding's report.
	c.press("\x1b")
	c.waitFor("↑↓ move")
	c.press("\x1b")
	c.press("3")
	c.waitFor("KIND", "goroutines 7 and 8 wait for each other's locks")
	c.press("\r")
	c.waitFor("gridlock: deadlock", "main.transferBA")

	// Quit: the terminal is given back (the alternate screen left).
	c.press("q")
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("top exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not quit")
	}
	// The process has exited; what it wrote last may still be on its way
	// through the pty to the reader.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		out := c.out.String()
		c.mu.Unlock()
		if strings.HasSuffix(strings.TrimRight(out, "\r\n"), "\x1b[?1049l") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the alternate screen was not left: output ends %q", out[max(0, len(out)-40):])
			break
		}
	}
}
