package dump

import "io"

// WriteHTML writes a as a self-contained web page.
func (a *Analysis) WriteHTML(w io.Writer) error { return nil }
