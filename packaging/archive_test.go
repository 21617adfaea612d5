package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// entry is one file of a package's payload or control archive.
type entry struct {
	mode int64
	typ  byte
	data []byte
}

// readAr returns the members of a Unix ar archive (the outer layer of a
// .deb).
func readAr(b []byte) (map[string][]byte, error) {
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("not an ar archive")
	}
	members := map[string][]byte{}
	for p := b[len(magic):]; len(p) > 0; {
		if len(p) < 60 {
			return nil, errors.New("truncated ar header")
		}
		name := strings.TrimRight(strings.TrimSpace(string(p[:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(p[48:58])))
		if err != nil || size < 0 || 60+size > len(p) {
			return nil, fmt.Errorf("ar member %q: bad size", name)
		}
		members[name] = p[60 : 60+size]
		p = p[60+size+size%2:] // members are 2-byte aligned
	}
	return members, nil
}

// readTarGz returns the files of a gzipped tar, keyed by path without
// the leading "./".
func readTarGz(b []byte) (map[string]entry, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	files := map[string]entry{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		files[name] = entry{mode: h.Mode & 0o7777, typ: h.Typeflag, data: data}
	}
}

// controlFields parses a Debian-style control file.
func controlFields(b []byte) map[string]string {
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}
