package top

import (
	"strings"
	"testing"
)

// FuzzParseKeys feeds the console what a terminal could send: it must
// never panic, every key it returns must be one the console knows or one
// character, and the console must take any sequence of them.
func FuzzParseKeys(f *testing.F) {
	for _, seed := range []string{"q", "\x1b", "\x1b[A\x1b[B", "\x1bOA", "\x1b[5~", "/wo\x7f\r", "\t\x03", "é", "\x1b[1;5C", "\x1b[", "\xff\xfe", "\x1b\x1b[Z"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &Console{}
		for _, k := range ParseKeys(b) {
			if !isNamed(k) && len([]rune(string(k))) != 1 {
				t.Fatalf("ParseKeys(%q): key %q", b, k)
			}
			if k == Interrupt || k == "q" {
				continue
			}
			c.Key(k)
			for _, line := range c.Render(40, 10) {
				if strings.Contains(line, "\n") {
					t.Fatalf("a rendered line holds a newline: %q", line)
				}
			}
		}
	})
}
