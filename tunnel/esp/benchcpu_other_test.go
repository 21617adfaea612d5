//go:build !linux

package esp

import "testing"

// cpuMeter is a no-op where thread CPU time is not read.
type cpuMeter struct{}

func startCPU(*testing.B) *cpuMeter { return &cpuMeter{} }
func (*cpuMeter) pause()            {}
func (*cpuMeter) resume()           {}
func (*cpuMeter) report(int)        {}
