// Package coupling is a deadlock kernel (correct: lock coupling in a consistent order).
//
// Hand-over-hand locking along a linked list, always from head to tail.
package coupling

import "sync"

type node struct {
	mu   sync.Mutex
	val  int
	next *node
}

type List struct{ head *node }

func NewList(n int) *List {
	l := &List{head: &node{}}
	cur := l.head
	for i := 1; i <= n; i++ {
		cur.next = &node{val: i}
		cur = cur.next
	}
	return l
}

func (l *List) Inc() {
	prev := l.head
	prev.mu.Lock()
	for cur := prev.next; cur != nil; cur = cur.next {
		cur.mu.Lock()
		cur.val++
		prev.mu.Unlock()
		prev = cur
	}
	prev.mu.Unlock()
}
