// Command gridlock-vet runs gridlock's static analyzers: locks held across
// blocking operations, lock-order inversions and hierarchy violations,
// recursive locking, locks not released, and selects that need a held lock.
//
// Use it through go vet, which loads, caches and analyzes one package at a
// time, with cross-package facts:
//
//	go install github.com/gridlock-go/gridlock/cmd/gridlock-vet@latest
//	go vet -vettool=$(which gridlock-vet) ./...
//
// or standalone, as gridlock-vet ./... (this loads every package at once
// and needs more memory). "gridlock vet" does the former for you and can
// also write SARIF.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/gridlock-go/gridlock/analysis/passes"
)

func main() { multichecker.Main(passes.All()...) }
