// Package precision runs real modules' own test suites plainly and under
// gridlock test and compares the two: a suite that passes under go test
// must pass under gridlock test, and every finding must be one the corpus
// lists as known to be true.
//
// The corpus is a text file (corpus.txt beside this package), one
// directive a line; blank lines and lines starting with # are ignored:
//
//	module PATH@VERSION
//	timeout DURATION
//	test PACKAGES... [-- GO TEST FLAGS...]
//	known KIND SITE WHY...
//
// A module line starts a module; the other directives belong to the last
// one. Each test line is a suite, run as go test FLAGS PACKAGES in a
// writable copy of the module; words are split as a shell would, with
// single and double quotes (no escapes, no variables). timeout is go
// test's -timeout for the module's suites (the command's -timeout if
// absent). A known line is a finding verified by reading the module's code:
// its kind (as gridlock's findings name them), a site and why it is true,
// to the end of the line. A site is a file and line ("pool/pool.go:153",
// the file's path relative to the module's root or any suffix of it at a
// slash), a file ("pool/pool.go") or a function ("(*Memberlist).deadNode",
// "deadNode": the end of a function's name, at a dot, slash or parenthesis;
// it matches the function literals inside it too).
// A finding matches a known line when its kind is the same and one of its
// positions, or a frame of one of its goroutines' stacks, holds or waits or
// of its lock orders, matches the site.
package precision

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// A Module is one module of the corpus.
type Module struct {
	Path    string // module path
	Version string
	Timeout time.Duration // go test -timeout of its suites; 0 means the default
	Suites  []Suite
	Known   []Known
	Line    int // line of the module directive
}

// String returns "path@version".
func (m *Module) String() string { return m.Path + "@" + m.Version }

// A Suite is one go test command of a module.
type Suite struct {
	Packages []string // package patterns, relative to the module's root
	Flags    []string // go test flags
}

// String formats s as it would be typed after go test.
func (s Suite) String() string {
	words := make([]string, 0, len(s.Flags)+len(s.Packages))
	for _, w := range append(append([]string(nil), s.Flags...), s.Packages...) {
		words = append(words, quote(w))
	}
	return strings.Join(words, " ")
}

// quote quotes w for a shell when it needs it.
func quote(w string) string {
	if w != "" && !strings.ContainsFunc(w, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`'"$|&;<>()*?[]\^{}!#~`+"`", r)
	}) {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// A Known is a finding known to be true.
type Known struct {
	Kind string
	Site string
	Why  string
}

// Parse reads a corpus. name is used in error messages.
func Parse(r io.Reader, name string) ([]*Module, error) {
	var (
		mods []*Module
		cur  *Module
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		errorf := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, args...))
		}
		directive, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if directive != "module" && cur == nil {
			return nil, errorf("%s before the first module line", directive)
		}
		switch directive {
		case "module":
			path, version, ok := strings.Cut(rest, "@")
			if !ok || path == "" || version == "" || strings.ContainsFunc(rest, unicode.IsSpace) {
				return nil, errorf("want module PATH@VERSION, have %q", line)
			}
			for _, m := range mods {
				if m.Path == path {
					return nil, errorf("module %s listed twice (line %d)", path, m.Line)
				}
			}
			cur = &Module{Path: path, Version: version, Line: n}
			mods = append(mods, cur)
		case "timeout":
			d, err := time.ParseDuration(rest)
			if err != nil || d <= 0 {
				return nil, errorf("want timeout DURATION, have %q", line)
			}
			cur.Timeout = d
		case "test":
			words, err := splitWords(rest)
			if err != nil {
				return nil, errorf("%v", err)
			}
			var s Suite
			for i, w := range words {
				if w == "--" {
					s.Flags = words[i+1:]
					break
				}
				if strings.HasPrefix(w, "-") {
					return nil, errorf("flag %s before the packages: put flags after --", w)
				}
				s.Packages = append(s.Packages, w)
			}
			if len(s.Packages) == 0 {
				return nil, errorf("test names no package")
			}
			cur.Suites = append(cur.Suites, s)
		case "known":
			f := strings.Fields(rest)
			if len(f) < 3 {
				return nil, errorf("want known KIND SITE WHY, have %q", line)
			}
			why := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(rest, f[0])), f[1]))
			cur.Known = append(cur.Known, Known{Kind: f[0], Site: f[1], Why: why})
		default:
			return nil, errorf("unknown directive %q", directive)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, m := range mods {
		if len(m.Suites) == 0 {
			return nil, fmt.Errorf("%s:%d: module %s has no test line", name, m.Line, m.Path)
		}
	}
	return mods, nil
}

// splitWords splits s into words as a shell would, with single and double
// quotes and no escapes.
func splitWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case unicode.IsSpace(r):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
