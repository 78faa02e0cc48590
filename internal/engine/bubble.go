package engine

import "time"

// InBubble reports whether now, just read with time.Now, was read in a
// testing/synctest bubble. Inside a bubble time.Now returns the bubble's
// fake clock with no monotonic reading; outside, it always carries one.
//
// A goroutine belongs to one bubble, or none, for its whole life, and what
// it makes in a bubble (channels, timers) belongs to the bubble: a channel
// of a bubble used from outside it is a fatal error, and a timer of a
// bubble fires in the bubble's fake time. The engine therefore keeps no
// timer for a goroutine in a bubble (see G.bubbled), and the mirror pools
// no channel made in one.
func InBubble(now time.Time) bool {
	return now == now.Round(0)
}
