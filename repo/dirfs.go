package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrTooLarge is wrapped by the errors for files over MaxFileSize.
var ErrTooLarge = errors.New("file too large")

// DirFS returns the package tree rooted at the directory dir, as os.DirFS
// does, with a ReadFile that reads a manifest in as few system calls as the
// platform allows and refuses files over MaxFileSize without reading them
// whole. Loading the Universe corpus reads about 5,000 files, and on
// sandboxed kernels each system call is costly.
func DirFS(dir string) fs.FS {
	return &dirFS{FS: os.DirFS(dir), dir: dir}
}

type dirFS struct {
	fs.FS
	dir string
}

// ReadDir lists a directory (os.DirFS implements fs.ReadDirFS).
func (d *dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(d.FS, name)
}

// ReadFile reads the named file, refusing files over MaxFileSize.
func (d *dirFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	data, err := readLimited(d.dir+"/"+name, MaxFileSize)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = name
		}
		return nil, err
	}
	return data, nil
}

// tooLarge is the error for a file over limit bytes; size is its size, or
// -1 when unknown.
func tooLarge(name string, limit int, size int64) error {
	if size > int64(limit) {
		return fmt.Errorf("%s is %d bytes, over the limit of %d bytes: %w", name, size, limit, ErrTooLarge)
	}
	return fmt.Errorf("%s is larger than the limit of %d bytes: %w", name, limit, ErrTooLarge)
}
