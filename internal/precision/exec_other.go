//go:build !unix

package precision

import (
	"os"
	"os/exec"
)

func newProcessGroup(cmd *exec.Cmd) {}

func interruptGroup(cmd *exec.Cmd) { cmd.Process.Signal(os.Interrupt) }

func killGroup(cmd *exec.Cmd) { cmd.Process.Kill() }
