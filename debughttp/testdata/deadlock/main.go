// Command deadlock serves the live view on a loopback port and deadlocks
// two goroutines on two watched locks, taken in opposite orders. It
// prints the live view's URL, then serves until killed. The tests of
// package debughttp run it.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/gridlock-go/gridlock"
	_ "github.com/gridlock-go/gridlock/debughttp"
	"github.com/gridlock-go/gridlock/sync"
)

// A bank's two locks.
var (
	ledger sync.Mutex
	audit  sync.Mutex
)

// payer takes the ledger, then the audit lock.
func payer(took, other chan struct{}) {
	ledger.Lock()
	close(took)
	<-other
	audit.Lock() // waits for auditor for good
	audit.Unlock()
	ledger.Unlock()
}

// auditor takes the audit lock, then the ledger.
func auditor(took, other chan struct{}) {
	audit.Lock()
	close(took)
	<-other
	ledger.Lock() // waits for payer for good
	ledger.Unlock()
	audit.Unlock()
}

func main() {
	gridlock.Name(&ledger, "bank.ledger")
	gridlock.Name(&audit, "bank.audit")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "deadlock:", err)
		os.Exit(1)
	}
	a, b := make(chan struct{}), make(chan struct{})
	go payer(a, b)
	go auditor(b, a)
	fmt.Printf("http://%s/debug/gridlock/\n", ln.Addr())
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "deadlock:", err)
		os.Exit(1)
	}
}
