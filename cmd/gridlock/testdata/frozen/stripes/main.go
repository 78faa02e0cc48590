// Command stripes locks two elements of a slice of mutexes, and two
// entries of a map of mutexes, in opposite orders.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Table guards its rows with striped locks.
type Table struct {
	stripes []sync.Mutex
	rows    []int
}

func (t *Table) swap(i, j int) {
	t.stripes[i%len(t.stripes)].Lock()
	defer t.stripes[i%len(t.stripes)].Unlock()
	time.Sleep(30 * time.Millisecond)
	t.stripes[j%len(t.stripes)].Lock()
	t.rows[i], t.rows[j] = t.rows[j], t.rows[i]
	t.stripes[j%len(t.stripes)].Unlock()
}

var named = map[string]*sync.Mutex{"in": new(sync.Mutex), "out": new(sync.Mutex)}

func move(from, to string) {
	named[from].Lock()
	time.Sleep(30 * time.Millisecond)
	named[to].Lock()
	named[to].Unlock()
	named[from].Unlock()
}

func main() {
	t := &Table{stripes: make([]sync.Mutex, 4), rows: make([]int, 8)}
	go t.swap(1, 2)
	go t.swap(2, 1)
	go move("in", "out")
	go move("out", "in")
	harness.Wait()
}
