// Package tomlpos finds the line of a key in a TOML document, so that
// semantic config errors (a bad address, a missing file) can name the line
// the way syntax errors from the parser do. It understands the subset of
// TOML our config files use: [table], [[array.of.tables]], dotted headers
// and `key = value` lines; anything it cannot place returns 0.
package tomlpos

import (
	"strconv"
	"strings"
)

// Index maps key paths to 1-based line numbers.
type Index struct {
	lines map[string]int
}

// New indexes src.
func New(src []byte) *Index {
	idx := &Index{lines: map[string]int{}}
	arrays := map[string]int{} // array-of-tables path → next element index
	prefix := ""
	for n, raw := range strings.Split(string(src), "\n") {
		line := strings.TrimSpace(stripComment(raw))
		switch {
		case line == "":
		case strings.HasPrefix(line, "[["):
			name := cleanKey(strings.TrimSuffix(strings.TrimPrefix(line, "[["), "]]"))
			i := arrays[name]
			arrays[name] = i + 1
			prefix = name + "." + strconv.Itoa(i)
			idx.lines[prefix] = n + 1
		case strings.HasPrefix(line, "["):
			prefix = cleanKey(strings.TrimSuffix(strings.TrimPrefix(line, "["), "]"))
			idx.lines[prefix] = n + 1
		default:
			key, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			path := cleanKey(key)
			if prefix != "" {
				path = prefix + "." + path
			}
			if _, dup := idx.lines[path]; !dup {
				idx.lines[path] = n + 1
			}
		}
	}
	return idx
}

// Line returns the line of the key path, given as parts ("peer", 1,
// "host") — ints index arrays of tables. When the key itself is absent it
// falls back to its closest enclosing table; 0 when nothing matches.
func (x *Index) Line(path ...any) int {
	parts := make([]string, 0, len(path))
	for _, p := range path {
		switch v := p.(type) {
		case int:
			parts = append(parts, strconv.Itoa(v))
		case string:
			parts = append(parts, v)
		}
	}
	for len(parts) > 0 {
		if l, ok := x.lines[strings.Join(parts, ".")]; ok {
			return l
		}
		parts = parts[:len(parts)-1]
	}
	return 0
}

// cleanKey normalises a key or header: trims spaces around dots and quotes.
func cleanKey(s string) string {
	fields := strings.Split(s, ".")
	for i, f := range fields {
		fields[i] = strings.Trim(strings.TrimSpace(f), `"'`)
	}
	return strings.Join(fields, ".")
}

// stripComment removes a trailing # comment that is not inside a string.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\' && quote == '"':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return s[:i]
		}
	}
	return s
}
