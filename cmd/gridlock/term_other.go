//go:build !linux

package main

import (
	"errors"
	"os"
)

// errNotTerminal reports that the console cannot drive the terminal: raw
// mode is implemented on Linux only, elsewhere top prints its tables once.
var errNotTerminal = errors.New("not a terminal")

type terminal struct {
	in, out *os.File
}

func openTerminal(in, out *os.File) (*terminal, error) { return nil, errNotTerminal }

func (t *terminal) restore()                  {}
func (t *terminal) size() (width, height int) { return 80, 24 }

func notifyResize(c chan<- os.Signal) {}
