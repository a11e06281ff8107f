//go:build unix

package repo

import (
	"bytes"
	"io/fs"
	"sync"
	"syscall"
)

// readLimited reads a whole file with open, read and close only (os.Open
// adds fcntl, fstat and epoll calls that a manifest does not need). It
// returns an error wrapping ErrTooLarge for files over limit bytes.
func readLimited(path string, limit int) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	// Read into a pooled scratch buffer and copy out exactly the file's
	// size: most manifests are a few KB, and a fresh buffer per file big
	// enough for the large ones cost 160 MB of allocations on the corpus.
	bp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(bp)
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			if cap(buf) <= maxScratch {
				*bp = buf
			}
			return bytes.Clone(buf), nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			var st syscall.Stat_t
			size := int64(-1)
			if syscall.Fstat(fd, &st) == nil {
				size = st.Size
			}
			return nil, tooLarge(path, limit, size)
		}
	}
}

// maxScratch is the largest scratch buffer kept for reuse.
const maxScratch = 1 << 20

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
