// Gameserver is the article's game-server cycle: the physics task sends
// collision events to the reaction task and reads the force updates it
// sends back. Physics produces two collisions per force it reads; the
// reaction task produces two forces per collision. When both queues fill
// up, each task waits to send to the other: a channel cycle with no lock
// in sight. gridlock reports it as a deadlock, naming both tasks and both
// channels.
//
// The fix (-fixed) is the article's: the reaction task publishes forces
// with TrySend and drops (or coalesces) a force the physics task has not
// caught up with, so it never blocks on its partner.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock"
)

func run(fixed bool, frames int, timeout time.Duration) bool {
	collisions := gridlock.NewChan[int](4)
	forces := gridlock.NewChan[int](4)
	done := make(chan bool)
	gridlock.Go("physics", func() {
		for i := range frames {
			collisions.Send(i) // two collisions per frame
			collisions.Send(i)
			forces.Recv() // then apply one force
		}
		collisions.Close()
		close(done)
	})
	gridlock.Go("reaction", func() {
		for c := range collisions.All() {
			for range 2 {
				if fixed {
					forces.TrySend(c) // drop a force physics has not caught up with
				} else {
					forces.Send(c) // blocks when physics is behind
				}
			}
		}
	})
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	if !run(*fixed, 1000, 3*time.Second) {
		fmt.Println("the game loop is stuck, as reported above")
		os.Exit(1)
	}
	fmt.Println("simulated 1000 frames")
}
