package top_test

import (
	"fmt"

	"github.com/gridlock-go/gridlock/internal/top"
)

func ExampleBaseURL() {
	for _, s := range []string{"127.0.0.1:6060", "http://admin:8080/ops/debug/gridlock/api/snapshot"} {
		u, err := top.BaseURL(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(u)
	}
	// Output:
	// http://127.0.0.1:6060/debug/gridlock/
	// http://admin:8080/ops/debug/gridlock/
}

func ExampleParseKeys() {
	fmt.Printf("%q\n", top.ParseKeys([]byte("/worker\r\x1b[B\r")))
	// Output:
	// ["/" "w" "o" "r" "k" "e" "r" "enter" "down" "enter"]
}
