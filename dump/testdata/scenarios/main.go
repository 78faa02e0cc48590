// Command scenarios runs small programs that deadlock, or that are healthy,
// so that gridlock's dump tests can take real goroutine dumps of them. The
// generator in dump/gen_test.go drives it; see there.
//
//	scenarios -mode serve|quiet SCENARIO
//
// serve starts an HTTP pprof server on the loopback and prints "addr
// HOST:PORT"; quiet serves nothing, so that a deadlock of every goroutine
// is caught by the runtime ("all goroutines are asleep"). Build with -tags
// quiet for that: importing net/http alone keeps the runtime from seeing it. Each scenario
// prints "res NAME ADDRESS" for the resources it blocks on, then "ready".
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	mode := flag.String("mode", "serve", "serve or quiet")
	flag.Parse()
	run, ok := scenarios[flag.Arg(0)]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if *mode == "serve" {
		if serve == nil {
			fmt.Fprintln(os.Stderr, "built with -tags quiet: no server")
			os.Exit(2)
		}
		serve()
	}
	run()
	time.Sleep(settle)
	fmt.Println("ready")
	if *mode == "serve" {
		select {} // the HTTP server keeps the program alive
	}
	block()
}

// settle lets the scenario's goroutines reach their waits.
const settle = 150 * time.Millisecond

// block blocks main forever, as many servers' main functions do.
func block() {
	select {}
}

// serve starts the pprof server; nil when built with -tags quiet.
var serve func()

func res(name string, p any) { fmt.Printf("res %s %p\n", name, p) }
