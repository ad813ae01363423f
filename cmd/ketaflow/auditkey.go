package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ketaflow/ketaflow/audit"
)

// auditKeyPath is where the audit key lives: the path given, or beside
// the SQLite file (ketaflow.db.audit-key), or, for PostgreSQL, in the
// working directory (ketaflow-audit.key): a key kept outside the database
// it seals.
func auditKeyPath(given, dsn string) string {
	if given != "" {
		return given
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "ketaflow-audit.key"
	}
	return dsn + ".audit-key"
}

// loadAuditKey reads the key file; when it is absent and create is set it
// makes a new key there, readable by this user only (0600), and says so.
func loadAuditKey(path string, create bool) (key *audit.Key, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := audit.ParseKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("audit key file %s: %w", path, err)
		}
		if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
			return nil, false, fmt.Errorf("audit key file %s is readable by others (mode %v): chmod 600 it", path, info.Mode().Perm())
		}
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("audit key file: %w", err)
	case !create:
		return nil, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("audit key file: %w", err)
	}
	key = audit.NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create audit key file: %w", err)
	}
	if _, err := f.Write(key.Marshal()); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write audit key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write audit key file: %w", err)
	}
	return key, true, nil
}
