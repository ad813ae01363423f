package ketaflow

import "github.com/google/uuid"

// NewID returns a new identifier: a UUIDv7, so that ids sort by creation time
// and index well in both databases.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether s has the form of an id NewID returns.
func ValidID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
