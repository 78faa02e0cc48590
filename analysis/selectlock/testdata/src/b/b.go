// Package b falls into the select trap through package c: facts.
package b

import (
	"context"

	"c"
)

func Next(ctx context.Context, conn *c.Conn) int {
	conn.Lock()
	defer conn.Unlock()
	select { // want `select-same-lock: select case calls \(\*c.Conn\).Updates, which locks conn.mu, already held`
	case v := <-conn.Updates():
		return v
	case <-ctx.Done():
		return 0
	}
}

func NextFixed(ctx context.Context, conn *c.Conn) int {
	updates := conn.Updates()
	select {
	case v := <-updates:
		return v
	case <-ctx.Done():
		return 0
	}
}
