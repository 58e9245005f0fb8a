package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LockFile is the name of the lock a writer holds in a model (or sweep)
// directory.
const LockFile = ".lock"

// ErrLocked is returned by Lock when another process holds the directory.
var ErrLocked = errors.New("checkpoint: directory is in use")

// Lock creates dir if needed and takes an exclusive lock on it, so that two
// writers (two `modadd train -out DIR`) cannot interleave their
// checkpoints: the second gets ErrLocked at once rather than silently
// replacing the first's model. The lock is advisory (flock on Unix) and is
// released by unlock or when the process dies, so a killed run leaves no
// stale lock. Creating the lock file also proves, before any training
// work, that dir is writable. Temporary files that a killed writer left
// behind are removed.
func Lock(dir string) (unlock func(), err error) {
	return LockNamed(dir, LockFile)
}

// LockNamed is Lock with a lock file of another name, for writers that share
// a directory but not a file (the shards of a sweep).
func LockNamed(dir, name string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("checkpoint: cannot create %s: %w", dir, err)
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s is not writable (%w): choose another directory", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%w: another modadd process is writing %s; wait for it to finish or write elsewhere", ErrLocked, dir)
		}
		return nil, fmt.Errorf("checkpoint: locking %s: %w", dir, err)
	}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return func() { unlockFile(f); f.Close() }, nil
}
