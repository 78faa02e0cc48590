//go:build unix

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/gridlock-go/gridlock/dump"
)

// quitProcess sends SIGQUIT to a local process whose standard error goes
// to a file, waits for it to end, and reads the dump it appended there.
func quitProcess(pid int) (*dump.Dump, error) {
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/2")
	if err != nil {
		return nil, fmt.Errorf("finding where process %d writes its standard error: %w", pid, err)
	}
	st, err := os.Stat(target)
	if err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("process %d writes its standard error to %s, not a file: send it SIGQUIT yourself (kill -QUIT %d) and give gridlock analyze what it prints", pid, target, pid)
	}
	start := st.Size()
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
		return nil, fmt.Errorf("sending SIGQUIT to %d: %w", pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	f, err := os.Open(target)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	d, err := dump.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return d, nil
}
