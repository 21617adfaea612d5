//go:build unix

package gui

import (
	"os"
	"slices"
	"syscall"
)

// inSocketGroup reports that the group owning the socket is one of our
// supplementary groups but not our primary one.
func inSocketGroup(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || int(sys.Gid) == os.Getegid() {
		return false
	}
	groups, err := os.Getgroups()
	return err == nil && slices.Contains(groups, int(sys.Gid))
}
