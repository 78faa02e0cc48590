// Command cycle3 freezes three goroutines in a circle over three locks.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Node is a vertex with a lock.
type Node struct {
	mu    sync.Mutex
	name  string
	edges []*Node
}

func link(a, b *Node) {
	a.mu.Lock()
	defer a.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	connect(a, b)
}

func connect(a, b *Node) {
	b.mu.Lock()
	a.edges = append(a.edges, b)
	b.edges = append(b.edges, a)
	b.mu.Unlock()
}

func main() {
	x, y, z := &Node{name: "x"}, &Node{name: "y"}, &Node{name: "z"}
	go link(x, y)
	go link(y, z)
	go link(z, x)
	harness.Wait()
}
