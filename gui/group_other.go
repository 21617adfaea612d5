//go:build !unix

package gui

// inSocketGroup: only Unix sockets have a group.
func inSocketGroup(string) bool { return false }
