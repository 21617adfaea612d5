//go:build !windows

package server

import "os"

// exposed reports whether group or others may read the file: a secret
// they can read is no secret.
func exposed(st os.FileInfo) bool { return st.Mode().Perm()&0o077 != 0 }
