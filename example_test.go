//lint:file-ignore SA2001 examples take locks for the order they show

package gridlock_test

import (
	"fmt"
	"io"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

// printFindings sends each finding's kind and summary to standard output.
func printFindings() {
	gridlock.Configure(gridlock.Config{
		Mode:   gridlock.On,
		Output: io.Discard,
		OnFinding: func(f *report.Finding) {
			fmt.Printf("%s: %s\n", f.Kind, f.Summary)
		},
	})
}

func ExampleLevel() {
	printFindings()
	var accounts, ledger sync.Mutex
	gridlock.Name(&accounts, "accounts")
	gridlock.Level(&accounts, 10)
	gridlock.Name(&ledger, "ledger")
	gridlock.Level(&ledger, 20)

	accounts.Lock() // in order: fine
	ledger.Lock()
	ledger.Unlock()
	accounts.Unlock()

	ledger.Lock() // out of order: reported at once
	accounts.Lock()
	accounts.Unlock()
	ledger.Unlock()
	// Output:
	// hierarchy-violation: accounts (level 10) taken while holding ledger (level 20)
}

func ExampleName() {
	printFindings()
	type account struct{ mu sync.Mutex }
	type ledger struct{ mu sync.Mutex }
	a1, a2 := new(account), new(account)
	l1, l2 := new(ledger), new(ledger)
	for _, a := range []*account{a1, a2} {
		gridlock.Name(&a.mu, "account")
	}
	for _, l := range []*ledger{l1, l2} {
		gridlock.Name(&l.mu, "ledger")
	}

	// Account then ledger on one pair...
	a1.mu.Lock()
	l1.mu.Lock()
	l1.mu.Unlock()
	a1.mu.Unlock()
	// ...ledger then account on another: no pair was inverted, the
	// classes were.
	l2.mu.Lock()
	a2.mu.Lock()
	a2.mu.Unlock()
	l2.mu.Unlock()
	// Output:
	// lock-order-inversion: locks taken in a cyclic order: ledger → account → ledger
}

func ExampleNestable() {
	printFindings()
	type node struct {
		mu   sync.Mutex
		next *node
	}
	newNode := func(next *node) *node {
		n := &node{next: next}
		gridlock.Level(&n.mu, 30)
		gridlock.Nestable(&n.mu)
		return n
	}
	head := newNode(newNode(newNode(nil)))

	// Hand over hand from head to tail: a consistent order, no finding.
	n := head
	n.mu.Lock()
	for n.next != nil {
		n.next.mu.Lock()
		n.mu.Unlock()
		n = n.next
	}
	n.mu.Unlock()
	fmt.Println("walked the list")
	// Output:
	// walked the list
}
