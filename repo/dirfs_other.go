//go:build !unix

package repo

import (
	"io"
	"os"
)

// readLimited reads a whole file, refusing files over limit bytes.
func readLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, tooLarge(path, limit, -1)
	}
	return data, nil
}
