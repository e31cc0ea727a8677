//go:build !linux

package swarmtest

import "os/exec"

// setProcAttr keeps exec's defaults off Linux: the child is killed on
// cancel, its own children are not.
func setProcAttr(cmd *exec.Cmd) {}
