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
// whether it did.
func LoadOrCreateDevKey(path string) (key []byte, created bool, err error) {
	key, err = LoadDevKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key = make([]byte, 32)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		key, err = LoadDevKey(path)
		return key, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("create development key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, false, fmt.Errorf("write development key: %w", err)
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
