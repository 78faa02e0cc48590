// Package examples holds the article's deadlock scenarios as runnable
// programs, each in a directory of its own with a buggy and a fixed
// version: "go run ./examples/<name>" runs the buggy one and prints what
// gridlock finds; "go run ./examples/<name> -fixed" runs the fixed one,
// about which gridlock says nothing.
package examples
