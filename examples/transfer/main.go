// Transfer is the per-connection lock inversion: transfer(a, b) locks a
// then b, so transfer(b, a) on the same two connections locks them in the
// opposite order. Two such transfers at the same moment deadlock; gridlock
// sees the inversion in one ordinary run, with no hang.
//
// The fix takes the two locks in one global order, by connection id.
package main

import (
	"flag"
	"fmt"

	"github.com/gridlock-go/gridlock/sync"
)

// Conn is a connection with a balance.
type Conn struct {
	ID      int
	mu      sync.Mutex
	balance int
}

// Transfer moves amount from one connection to another, locking the
// source first: the bug.
func Transfer(from, to *Conn, amount int) {
	from.mu.Lock() // lock the source
	defer from.mu.Unlock()
	to.mu.Lock() // then the destination
	defer to.mu.Unlock()
	from.balance -= amount
	to.balance += amount
}

// TransferOrdered locks the connection with the smaller id first, whichever
// way the money goes: the fix.
func TransferOrdered(from, to *Conn, amount int) {
	first, second := from, to
	if second.ID < first.ID {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	from.balance -= amount
	to.balance += amount
}

func run(fixed bool) (int, int) {
	a, b := &Conn{ID: 1, balance: 100}, &Conn{ID: 2, balance: 100}
	transfer := Transfer
	if fixed {
		transfer = TransferOrdered
	}
	transfer(a, b, 10) // a then b
	transfer(b, a, 5)  // b then a: the inversion
	return a.balance, b.balance
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	x, y := run(*fixed)
	fmt.Printf("balances: %d %d\n", x, y)
}
