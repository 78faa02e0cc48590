package overlay

import (
	"fmt"
	"slices"
	"strings"
)

// A Buffer is a queue of edits to a source file that keep every line where
// it was: an edit may change the text of a line but never the number of
// newlines it covers, so that every position the compiler records for the
// rewritten file (and so every stack frame and finding) names the user's
// original line. Columns after an edit on the same line may shift.
//
// Edits are given as byte offsets into the original source and applied
// together by Bytes; they must not overlap, except that several insertions
// at one offset are applied in the order they were made.
type Buffer struct {
	src   []byte
	edits []edit
}

type edit struct {
	start, end int
	text       string
	seq        int
}

// NewBuffer returns a buffer of edits to src.
func NewBuffer(src []byte) *Buffer { return &Buffer{src: src} }

// Insert inserts text at offset pos.
func (b *Buffer) Insert(pos int, text string) { b.Replace(pos, pos, text) }

// Delete deletes src[start:end].
func (b *Buffer) Delete(start, end int) { b.Replace(start, end, "") }

// Replace replaces src[start:end] with text.
func (b *Buffer) Replace(start, end int, text string) {
	b.edits = append(b.edits, edit{start, end, text, len(b.edits)})
}

// Len returns the number of edits queued.
func (b *Buffer) Len() int { return len(b.edits) }

// Bytes applies the edits and returns the new source. It fails if edits
// overlap, fall outside the source, or would move a line.
func (b *Buffer) Bytes() ([]byte, error) {
	edits := slices.Clone(b.edits)
	slices.SortStableFunc(edits, func(x, y edit) int {
		if x.start != y.start {
			return x.start - y.start
		}
		return x.seq - y.seq
	})
	var out []byte
	last := 0
	for _, e := range edits {
		if e.start < last || e.end < e.start || e.end > len(b.src) {
			return nil, fmt.Errorf("edit [%d,%d) overlaps an earlier edit or falls outside the %d-byte source", e.start, e.end, len(b.src))
		}
		if old, new := strings.Count(string(b.src[e.start:e.end]), "\n"), strings.Count(e.text, "\n"); old != new {
			return nil, fmt.Errorf("edit at offset %d replaces %d newlines with %d: lines would move", e.start, old, new)
		}
		out = append(out, b.src[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, b.src[last:]...), nil
}
