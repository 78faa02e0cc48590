// Package golangci is gridlock's golangci-lint v2 module plugin: it
// registers gridlock's analyzers (lockblock, lockorder, relock, lockleak,
// selectlock) as the linter "gridlock".
//
// Build a custom golangci-lint with it by listing it in .custom-gcl.yml:
//
//	version: v2.5.0
//	plugins:
//	  - module: github.com/gridlock-go/gridlock/golangci
//	    import: github.com/gridlock-go/gridlock/golangci
//	    version: latest
//
// and enable it in .golangci.yml:
//
//	version: "2"
//	linters:
//	  enable:
//	    - gridlock
//	  settings:
//	    custom:
//	      gridlock:
//	        type: module
//	        description: deadlock risks found by static analysis
//
// It is a module of its own so that gridlock's main module does not
// depend on golangci-lint's plugin registry.
package golangci

import (
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/gridlock-go/gridlock/analysis/passes"
)

func init() {
	register.Plugin("gridlock", New)
}

// New returns the plugin. It takes no settings.
func New(settings any) (register.LinterPlugin, error) {
	return plugin{}, nil
}

type plugin struct{}

// BuildAnalyzers returns gridlock's analyzers.
func (plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return passes.All(), nil
}

// GetLoadMode asks for type information: the analyzers build SSA.
func (plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}
