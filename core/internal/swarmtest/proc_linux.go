package swarmtest

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the child in its own process group, kills the whole group
// on cancel, and has the kernel kill the child if the test binary dies
// first, so no client outlives its test.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}
