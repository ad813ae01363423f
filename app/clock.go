package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// MaxClockAdvance is the most one move of the training clock may take: half
// a clinic day is enough for any session, and a slip (PT30H for PT30M) is
// refused rather than throwing the demo a day ahead.
const MaxClockAdvance = 12 * time.Hour

// OnTrainingClock runs the app on a training clock over the clock given to
// New: ketaflow serve --demo --clock manual. An admin moves it forward
// (AdvanceClock); only demo clinics may use such an app (TrainingDatabase).
func OnTrainingClock() Option {
	return func(a *App) {
		a.training = ketaflow.NewTrainingClock(a.Clock)
		a.Clock = a.training
	}
}

// Training is the app's training clock, nil on a real clinic's server: the
// web layer holds it still for each write and offers its endpoints only
// when there is one.
func (a *App) Training() *ketaflow.TrainingClock { return a.training }

// TrainingClockView is the training clock as every page shows it.
type TrainingClockView struct {
	Now   time.Time     // the clock's time, UTC
	Ahead time.Duration // how far it has been moved forward in all
}

// Label says it in words: "1 h 30 min ahead of real time".
func (v TrainingClockView) Label() string {
	if v.Ahead <= 0 {
		return "at real time so far"
	}
	return ketaflow.HumanDuration(v.Ahead) + " ahead of real time"
}

// TrainingClockNow is the training clock's reading; false on a server
// without one. Everyone sees it: it says that every time shown is a
// training time.
func (a *App) TrainingClockNow() (TrainingClockView, bool) {
	if a.training == nil {
		return TrainingClockView{}, false
	}
	return TrainingClockView{Now: a.training.Now(), Ahead: a.training.Ahead()}, true
}

var errNoTrainingClock = ketaflow.Errorf(ketaflow.ENotFound, "this server runs on real time: the training clock exists only with serve --demo --clock manual")

// AdvanceClock moves the training clock forward by d, once every write in
// flight has finished, and audits who moved it by how much.
//
// Errors: ENotFound on a server without a training clock; EForbidden for a
// role other than admin; EInvalid naming "advance" when d is not above
// zero or is above MaxClockAdvance.
func (a *App) AdvanceClock(ctx context.Context, actor access.Actor, d time.Duration) (TrainingClockView, error) {
	if a.training == nil {
		return TrainingClockView{}, errNoTrainingClock
	}
	o := op{Action: access.ClockAdvance, Category: access.CatClinic}
	if err := a.allow(ctx, actor, o); err != nil {
		return TrainingClockView{}, err
	}
	if err := checkAdvance(d); err != nil {
		a.auditFailure(ctx, actor, o, err)
		return TrainingClockView{}, err
	}
	loc := time.UTC
	if c, err := a.Clinic(ctx, actor.ClinicID); err == nil {
		loc = c.Location()
	}
	var out TrainingClockView
	err := a.training.Advance(d, func(from, to time.Time) error {
		o.Detail = fmt.Sprintf("training clock moved forward %s (%s): %s -> %s; now %s ahead of real time",
			ketaflow.HumanDuration(d), ketaflow.FormatISODuration(d), from.In(loc).Format("Mon 2 Jan 15:04"),
			to.In(loc).Format("Mon 2 Jan 15:04 MST"), ketaflow.HumanDuration(a.training.Ahead()+d))
		out = TrainingClockView{Now: to, Ahead: a.training.Ahead() + d}
		return a.DB.Transact(ctx, func(tx *store.Tx) error {
			// The people logged in did not sit idle for d: their logins
			// move with the clock.
			if err := tx.ShiftOpenLogins(d); err != nil {
				return err
			}
			// Nor did a patient holding the clinic tablet, or a kept form.
			if err := tx.ShiftOpenHandOffs(d); err != nil {
				return err
			}
			return a.appendAudit(tx, actor, o, audit.OK)
		})
	})
	if err != nil {
		return TrainingClockView{}, err
	}
	return out, nil
}

func checkAdvance(d time.Duration) error {
	switch {
	case d < 0:
		return ketaflow.Invalid("advance", "the training clock moves only forward: %s is negative; give a duration such as PT30M", ketaflow.FormatISODuration(d))
	case d == 0:
		return ketaflow.Invalid("advance", "moving the training clock by zero does nothing; give a duration such as PT30M")
	case d > MaxClockAdvance:
		return ketaflow.Invalid("advance", "the training clock moves at most %s at a time (PT12H), not %s", ketaflow.HumanDuration(MaxClockAdvance), ketaflow.FormatISODuration(d))
	}
	return nil
}

// TrainingDatabase refuses, on a training server, a database that holds any
// clinic not made by the demo: a real clinic's records must never carry a
// time an admin moved forward. serve checks it before it listens.
func (a *App) TrainingDatabase(ctx context.Context) error {
	if a.training == nil {
		return nil
	}
	cs, err := a.Clinics(ctx)
	if err != nil {
		return err
	}
	var real []string
	for _, c := range cs {
		if !c.Demo {
			real = append(real, fmt.Sprintf("%q (%s)", c.Name, c.ID))
		}
	}
	if len(real) > 0 {
		return ketaflow.Errorf(ketaflow.EConflict, "the training clock runs only on a database that holds nothing but the demo clinic, and this one holds %s, not made by serve --demo; give --db a new file to try the demo on a training clock",
			strings.Join(real, ", "))
	}
	return nil
}

// ResumeTrainingClock moves a training server's clock, at start, up to the
// latest time the database recorded: the clock's offset lives in memory,
// and a restart must not take the demo's time back to real time, behind
// its own records.
func (a *App) ResumeTrainingClock(ctx context.Context) error {
	if a.training == nil {
		return nil
	}
	var latest time.Time
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		latest, err = tx.LatestAuditTime()
		return err
	})
	if err != nil {
		return err
	}
	a.training.CatchUp(latest)
	return nil
}

// trainingAllows refuses, on a training server, a login of a clinic that is
// not the demo's (one added to the database since the server started).
func (a *App) trainingAllows(ctx context.Context, clinicID string) error {
	if a.training == nil {
		return nil
	}
	c, err := a.Clinic(ctx, clinicID)
	if err != nil {
		return err
	}
	if !c.Demo {
		return ketaflow.Errorf(ketaflow.EForbidden, "this server runs on a training clock for the demo clinic only; %s must use a server on real time", c.Name)
	}
	return nil
}

// PrintMarking is the line every printed document (the REMS form's PDF)
// carries on a training server, with the clock's time; "" on a real one.
func (a *App) PrintMarking(loc *time.Location) string {
	v, ok := a.TrainingClockNow()
	if !ok {
		return ""
	}
	return fmt.Sprintf("TRAINING CLOCK (demo clinic): printed at %s training time, %s. The times on this document are training times, not real ones; it is not a clinical record and must not be submitted.",
		v.Now.In(loc).Format("2006-01-02 15:04 MST"), v.Label())
}
