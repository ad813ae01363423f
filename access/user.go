package access

import (
	"regexp"
	"strings"

	"github.com/ketaflow/ketaflow"
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,39}$`)

// NormalizeUsername lowercases and trims a username.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateNewUser checks the fields of a new account.
func ValidateNewUser(username, name string, role Role, password string) error {
	var p ketaflow.Problems
	if !usernamePattern.MatchString(username) {
		p.Add("username", "username must be 3 to 40 lowercase letters, digits, dots, hyphens or underscores, starting with a letter or digit")
	}
	checkDisplayName(&p, name)
	if _, err := ParseRole("role", string(role)); err != nil {
		p.Add("role", "role must be one of frontdesk, nurse, prescriber, therapist, admin")
	}
	if err := CheckPassword("password", password); err != nil {
		p.Add("password", "%s", ketaflow.ErrorMessage(err))
	}
	return p.Err()
}

func checkDisplayName(p *ketaflow.Problems, name string) {
	if n := len(strings.TrimSpace(name)); n == 0 || n > 100 {
		p.Add("name", "name is required, at most 100 characters")
	}
}

// ValidateName checks a display name.
func ValidateName(name string) error {
	var p ketaflow.Problems
	checkDisplayName(&p, name)
	return p.Err()
}
