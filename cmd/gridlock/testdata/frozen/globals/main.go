// Command globals takes two package-level mutexes in opposite orders.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

var (
	accounts sync.Mutex
	ledger   sync.Mutex
)

func credit() {
	accounts.Lock()
	time.Sleep(50 * time.Millisecond)
	ledger.Lock()
	ledger.Unlock()
	accounts.Unlock()
}

func audit() {
	ledger.Lock()
	defer ledger.Unlock()
	time.Sleep(50 * time.Millisecond)
	accounts.Lock()
	accounts.Unlock()
}

func main() {
	go credit()
	go audit()
	harness.Wait()
}
