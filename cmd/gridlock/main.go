// Command gridlock finds, explains and prevents deadlocks in Go programs.
//
// Usage:
//
//	gridlock <command> [arguments]
//
// The commands are listed by "gridlock help"; "gridlock help <command>" or
// "gridlock <command> -h" describes one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is a subcommand, in the style of the go command.
type command struct {
	name  string
	usage string // one line: the arguments
	short string // one line: what it does
	long  string // paragraphs after the usage line
	// run runs the command with its arguments; the returned int is the
	// exit status. An error is printed as one line, "gridlock <name>: err".
	run func(ctx *env, args []string) (int, error)
}

// env is what a command may use of its surroundings; tests substitute it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	cmd            *command // the command being run
}

// commands is the table of subcommands.
var commands = []*command{testCmd, exploreCmd, runCmd, vetCmd, analyzeCmd, topCmd, findingsCmd}

// exitUsage is the exit status for a bad command line.
const exitUsage = 2

func main() {
	ctx := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) >= 2 {
			if c := lookup(args[1]); c != nil {
				printUsage(ctx.stdout, c)
				return 0
			}
			fmt.Fprintf(ctx.stderr, "gridlock help %s: unknown command\n", args[1])
			return exitUsage
		}
		printHelp(ctx.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(ctx.stderr, "gridlock %s: unknown command\nRun 'gridlock help' for usage.\n", args[0])
		return exitUsage
	}
	ctx.cmd = c
	code, err := c.run(ctx, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errSilent) {
		return code
	}
	if err != nil {
		fmt.Fprintf(ctx.stderr, "gridlock %s: %v\n", c.name, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "gridlock finds, explains and prevents deadlocks in Go programs.\n\nUsage:\n\n\tgridlock <command> [arguments]\n\nThe commands are:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nUse \"gridlock help <command>\" for more information about a command.\n")
}

func printUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: gridlock %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.long))
}

// newFlagSet returns a flag set for the command being run whose errors and
// -h output go to ctx.stderr, with the command's usage.
func newFlagSet(ctx *env) *flag.FlagSet {
	c := ctx.cmd
	fs := flag.NewFlagSet("gridlock "+c.name, flag.ContinueOnError)
	fs.SetOutput(ctx.stderr)
	fs.Usage = func() {
		fmt.Fprintf(ctx.stderr, "usage: gridlock %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, strings.TrimSpace(c.long))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs; a bad flag is a usage error (exit 2),
// reported in one line, and -h a request for help (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) (int, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return 0, flag.ErrHelp
		}
		fmt.Fprintf(out, "%s: %v (see '%s -h')\n", fs.Name(), err, fs.Name())
		return exitUsage, errSilent
	}
	return 0, nil
}

// errSilent is an error already reported to the user.
var errSilent = errors.New("")
