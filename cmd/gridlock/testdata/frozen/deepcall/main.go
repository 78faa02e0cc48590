// Command deepcall holds a lock in a caller frame while a callee, two
// frames deeper, takes a second lock, which another goroutine holds while
// it wants the first.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

var (
	stateMu sync.Mutex
	logMu   sync.Mutex
	state   int
	lines   []string
)

func handle() {
	stateMu.Lock()
	state++
	time.Sleep(30 * time.Millisecond)
	process()
	stateMu.Unlock()
}

func process() {
	record("processed")
}

func record(s string) {
	logMu.Lock()
	lines = append(lines, s)
	logMu.Unlock()
}

func flush() {
	logMu.Lock()
	defer logMu.Unlock()
	time.Sleep(30 * time.Millisecond)
	lines = append(lines, snapshot())
}

func snapshot() string {
	stateMu.Lock()
	defer stateMu.Unlock()
	if state > 0 {
		return "busy"
	}
	return "idle"
}

func main() {
	go handle()
	go flush()
	harness.Wait()
}
