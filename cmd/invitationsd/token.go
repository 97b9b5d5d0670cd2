package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations/jwtauth"
)

// runToken prints an access token signed with the development key, creating
// the key if the server has not yet.
func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invitationsd token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: invitationsd token -sub urn:li:person:{id} -tid {tenant} [-scp ...] [-roles ...] [-ttl 1h] [-key-file ...]")
		fs.PrintDefaults()
	}
	sub := fs.String("sub", "", "subject: the user's person URN (delegated) or the application's id (required)")
	tid := fs.String("tid", "", "tenant id (required)")
	scp := fs.String("scp", "", `delegated permissions, space-separated (for example "Invitations.ReadWrite")`)
	roles := fs.String("roles", "", "application permissions, comma-separated (for example Invitations.ReadWrite.All)")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	keyFile := fs.String("key-file", envOr(getenv, devKeyEnv, defaultDevKeyFile), "development signing key ("+devKeyEnv+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *sub == "" || *tid == "" {
		fs.Usage()
		return errors.New("token: -sub and -tid are required")
	}
	key, _, err := jwtauth.LoadOrCreateDevKey(*keyFile)
	if err != nil {
		return err
	}
	now := time.Now()
	claims := jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtauth.DevIssuer,
			Audience:  jwt.ClaimStrings{jwtauth.DevAudience},
			Subject:   *sub,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(*ttl)),
		},
		TenantID: *tid,
		Scope:    *scp,
	}
	for r := range strings.FieldsFuncSeq(*roles, func(r rune) bool { return r == ',' || r == ' ' }) {
		claims.Roles = append(claims.Roles, r)
	}
	token, err := jwtauth.MintHS256(key, claims)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}
