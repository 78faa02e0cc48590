package livehttp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// unquote reverses quote for a value that was valid UTF-8.
func unquote(q string) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(q)-1; i++ {
		switch c := q[i]; c {
		case '"', '\n':
			return "", false // must have been escaped
		case '\\':
			i++
			if i >= len(q)-1 {
				return "", false
			}
			switch q[i] {
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case 'n':
				b.WriteByte('\n')
			default:
				return "", false
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// FuzzQuote checks that any lock name makes a well-formed label value of
// the exposition format, which reads back as the name.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "bank.ledger", `a"b`, `a\b`, "a\nb", `\n`, "\xff", "Conn.mu of *Conn 0xc000123400", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quote(s)
		if !utf8.ValidString(q) {
			t.Fatalf("quote(%q) = %q: not UTF-8", s, q)
		}
		got, ok := unquote(q)
		if !ok {
			t.Fatalf("quote(%q) = %q: malformed", s, q)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Fatalf("quote(%q) reads back as %q", s, got)
		}
	})
}
