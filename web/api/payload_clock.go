package api

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
)

// The training clock of a demo server (serve --demo --clock manual).

// apiTrainingClock is the training clock's reading.
type apiTrainingClock struct {
	// the training clock's time, UTC
	Now   time.Time `json:"now"`
	Ahead string    `json:"ahead"` // ISO 8601 duration
	// the same in seconds
	AheadSeconds int64 `json:"ahead_seconds"`
	// the same in words, as every page shows it
	Label string `json:"label"`
}

func toAPITrainingClock(v app.TrainingClockView) apiTrainingClock {
	return apiTrainingClock{Now: utcTime(v.Now), Ahead: ketaflow.FormatISODuration(v.Ahead),
		AheadSeconds: int64(v.Ahead / time.Second), Label: "training clock, " + v.Label()}
}

// apiClockAdvance is the body of POST /api/v1/clock.
type apiClockAdvance struct {
	Advance string `json:"advance" jsonschema:"required"` // ISO 8601 duration, e.g. "PT30M"
}

func (b apiClockAdvance) duration() (time.Duration, error) {
	if b.Advance == "" {
		return 0, ketaflow.Invalid("advance", "advance is required: an ISO 8601 duration such as PT30M, at most PT12H")
	}
	d, err := ketaflow.ParseISODuration(b.Advance)
	if err != nil {
		return 0, ketaflow.Invalid("advance", "advance %s", err.Error())
	}
	return d, nil
}
