package overlay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkspaceKeepsGodebug checks that the generated go.work carries the
// GODEBUG defaults of the user's build: its go line is the toolchain's,
// which would otherwise give an old module a newer run-time behaviour.
func TestWorkspaceKeepsGodebug(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"a module", map[string]string{
			"go.mod": "module example.com/m\n\ngo 1.21\n",
		}, []string{"godebug default=go1.21\n"}},
		{"a module with godebug lines", map[string]string{
			"go.mod": "module example.com/m\n\ngo 1.25\n\ngodebug (\n\tdefault=go1.20\n\tpanicnil=1\n)\n",
		}, []string{"godebug default=go1.20\n", "godebug panicnil=1\n"}},
		{"a module without a go line", map[string]string{
			"go.mod": "module example.com/m\n",
		}, []string{"godebug default=go1.16\n"}},
		{"the user's workspace", map[string]string{
			"go.work":  "go 1.22\n\nuse ./a\n\ngodebug asynctimerchan=1\n",
			"a/go.mod": "module example.com/a\n\ngo 1.25\n",
		}, []string{"godebug default=go1.22\n", "godebug asynctimerchan=1\n", "/a\"\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				path := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := append(os.Environ(), "GOWORK=", "GOFLAGS=-mod=mod")
			if tc.files["go.work"] == "" {
				env = append(env, "GOWORK=off")
			}
			path, err := Workspace(dir, "", t.TempDir(), env)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("go.work lacks %q:\n%s", w, b)
				}
			}
		})
	}
}
