package jwtauth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The issuer and audience of development tokens.
const (
	DevIssuer   = "invitationsd-dev"
	DevAudience = "api://invitations"
)

// LoadOrCreateDevKey reads the development signing key at path, creating a
// random one (mode 0600) when the file does not exist. created reports
// whether it did. The key is written to a temporary file and linked into
// place, so instances starting together never read a half-written key:
// one of them creates it, the others read that one.
func LoadOrCreateDevKey(path string) (key []byte, created bool, err error) {
	key, err = LoadDevKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create key directory: %w", err)
	}
	key = make([]byte, 32)
	rand.Read(key)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dev-jwt-*.tmp") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("create development key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return nil, false, fmt.Errorf("write development key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		key, err = LoadDevKey(path) // another process made it first
		return key, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create development key: %w", err)
	}
	return key, true, nil
}

// LoadDevKey reads the development signing key at path.
func LoadDevKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read development key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("development key %s: not 32 or more base64-encoded bytes", path)
	}
	return key, nil
}
