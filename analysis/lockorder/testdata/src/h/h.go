// Package h declares a lock hierarchy with annotations.
package h

import (
	"sync"

	"github.com/gridlock-go/gridlock"
)

type Bank struct {
	//gridlock:level 10
	//gridlock:name accounts
	accounts sync.Mutex

	ledger sync.Mutex //gridlock:level 20

	audit sync.Mutex //gridlock:before accounts

	//gridlock:level 5
	branch sync.Mutex

	cache sync.Mutex //gridlock:level ten // want `gridlock:level wants one positive integer`
}

type Node struct {
	//gridlock:level 30
	//gridlock:nestable
	mu   sync.Mutex
	next *Node
}

type Leaf struct {
	//gridlock:level 40
	mu sync.Mutex
}

var (
	//gridlock:after accounts
	journal sync.Mutex

	metrics sync.Mutex
)

func init() {
	gridlock.Level(&metrics, 50)
}

// Caught.

func (b *Bank) Wrong() {
	b.ledger.Lock()
	b.accounts.Lock() // want `hierarchy-violation: accounts \(level 10\) taken while h.Bank.ledger \(level 20\) is held`
	b.accounts.Unlock()
	b.ledger.Unlock()
}

func (b *Bank) AuditWrong() {
	b.accounts.Lock()
	b.audit.Lock() // want `hierarchy-violation: h.Bank.audit taken while accounts is held, but h.Bank.audit must be taken first`
	b.audit.Unlock()
	b.accounts.Unlock()
}

func (b *Bank) JournalWrong() {
	journal.Lock()
	b.accounts.Lock() // want `hierarchy-violation: accounts taken while h.journal is held, but accounts must be taken first`
	b.accounts.Unlock()
	journal.Unlock()
}

func MetricsWrong(l *Leaf) {
	metrics.Lock()
	l.mu.Lock() // want `hierarchy-violation: h.Leaf.mu \(level 40\) taken while h.metrics \(level 50\) is held`
	l.mu.Unlock()
	metrics.Unlock()
}

func Pair(x, y *Leaf) {
	x.mu.Lock()
	y.mu.Lock() // want `hierarchy-violation: two locks of class h.Leaf.mu \(level 40\) held at once`
	y.mu.Unlock()
	x.mu.Unlock()
}

// Silent.

func (b *Bank) Right() {
	b.branch.Lock()
	b.accounts.Lock()
	b.ledger.Lock()
	b.ledger.Unlock()
	b.accounts.Unlock()
	b.branch.Unlock()
}

func (b *Bank) AuditRight() {
	b.audit.Lock()
	b.accounts.Lock()
	journal.Lock()
	journal.Unlock()
	b.accounts.Unlock()
	b.audit.Unlock()
}

func HandOverHand(n *Node) {
	n.mu.Lock()
	n.next.mu.Lock()
	n.mu.Unlock()
	n.next.mu.Unlock()
}
