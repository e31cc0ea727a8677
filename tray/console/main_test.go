package console

import (
	"testing"

	"go.uber.org/goleak"
)

// Download starts an engine session in-process: nothing may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
