// Package harness starts the fixture programs' pprof server, says when
// the scenario has settled, and keeps the program alive to be dumped.
package harness

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

// Wait serves pprof on the loopback with -http, prints "addr HOST:PORT"
// and then "ready" once the scenario's goroutines have reached their
// waits, and sleeps forever.
func Wait() {
	serve := flag.Bool("http", false, "serve net/http/pprof on the loopback")
	flag.Parse()
	if *serve {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println("addr", ln.Addr())
		go http.Serve(ln, nil)
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
