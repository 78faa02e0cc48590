//go:build !unix

package main

import (
	"errors"

	"github.com/gridlock-go/gridlock/dump"
)

// quitProcess is not available: there is no SIGQUIT here.
func quitProcess(pid int) (*dump.Dump, error) {
	return nil, errors.New("-kill-ok needs SIGQUIT, which this system does not have: use -url")
}
