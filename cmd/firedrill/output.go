package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// output is where a report goes: standard output, or a file written
// atomically. The file's temporary sibling is created before anything
// runs, so that an unwritable --out fails at once, as a usage error naming
// the user's path, rather than after an hour of containers.
type output struct {
	path   string   // "" for standard output
	tmp    *os.File // the sibling renamed onto path
	stdout io.Writer
}

// openOutput checks --out and reserves its temporary file.
func openOutput(path string, stdout io.Writer) (*output, error) {
	if path == "" || path == "-" {
		return &output{stdout: stdout}, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, usageErr("--out %s: is a directory; name a file", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageErr("--out %s: directory %s does not exist", path, dir)
	case err != nil:
		return nil, usageErr("--out %s: %v", path, bare(err))
	case !st.IsDir():
		return nil, usageErr("--out %s: %s is not a directory", path, dir)
	}
	tmp, err := createSibling(path)
	if err != nil {
		return nil, usageErr("--out %s: cannot write in %s: %v", path, dir, bare(err))
	}
	return &output{path: path, tmp: tmp, stdout: stdout}, nil
}

// createSibling creates a hidden file next to path. It is opened with mode
// 0666, so that the umask gives reports the usual permissions (0644 under
// umask 022) where os.CreateTemp would give 0600; a report that replaces
// an existing file keeps that file's permissions.
func createSibling(path string) (*os.File, error) {
	mode := fs.FileMode(0o666)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	for range 100 {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		name := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(r[:])+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil && mode != 0o666 {
			// the umask applies to a fresh file; an existing one's mode is
			// copied as is.
			err = f.Chmod(mode)
		}
		return f, err
	}
	return nil, errors.New("no free temporary name")
}

// bare is an error without the path os put in it: messages name the
// user's path, never a temporary one.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// write renders the report in memory, then writes it whole: a failed
// rendering or an interruption leaves neither half a report on standard
// output nor a file.
func (o *output) write(ctx context.Context, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return infraErr(err)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if o.tmp == nil {
		if _, err := o.stdout.Write(buf.Bytes()); err != nil {
			return infraErr(fmt.Errorf("write report: %w", err))
		}
		return nil
	}
	_, err := o.tmp.Write(buf.Bytes())
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
		return infraErr(fmt.Errorf("write report %s: %w", o.path, bare(err)))
	}
	o.tmp = nil
	return nil
}

// discard removes the temporary file when the report was not written.
func (o *output) discard() {
	if o != nil && o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}
