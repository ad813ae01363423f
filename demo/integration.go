package demo

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/integration"
)

// demoSession is a discharged demo visit whose integration session the
// demo takes further.
type demoSession struct {
	id  string
	out time.Time // discharged
}

// demoIntegration are the integration sessions the therapist's worklist
// shows: missed and at risk are left alone; booked is booked by video for
// tomorrow morning; held was booked, held, written up and journalled.
type demoIntegration struct {
	missed, atRisk, held, booked demoSession
}

// therapistPassword is the demo therapist's, to hand the tablet over from
// a login as a therapist would.
func therapistPassword() string {
	for _, l := range Logins {
		if l.Username == "therapist" {
			return l.Password
		}
	}
	return ""
}

// integration plays the therapist's part, each step at its time.
func (p player) integration(ig demoIntegration, now time.Time) error {
	ctx, ther := p.ctx, p.st.therapist
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo integration: %s: %w", what, err)
		}
		return nil
	}
	loc := time.UTC
	if c, err := p.real.Clinic(ctx, ther.ClinicID); err == nil {
		loc = c.Location()
	}

	// Held: booked an hour after the discharge for that afternoon,
	// held, the note signed and amended, the journal written on the tablet.
	h := ig.held
	y := h.out.In(loc)
	start := time.Date(y.Year(), y.Month(), y.Day(), 15, 30, 0, 0, loc) // the afternoon of the day of the session
	if _, err := p.at(h.out.Add(time.Hour)).BookIntegration(ctx, ther, h.id, app.BookInput{StartsAt: start, Mode: string(integration.InPerson)}); err != nil {
		return step("book the held session", err)
	}
	// The patient writes her journal in the waiting room, on the tablet
	// the therapist hands her.
	a := p.at(start.Add(-10 * time.Minute))
	signIn, err := a.Login(ctx, "therapist", therapistPassword(), "demo")
	if err != nil {
		return step("therapist login", err)
	}
	tablet, err := a.HandTabletForJournal(ctx, ther, signIn.LoginSecret, h.id)
	if err != nil {
		return step("hand the tablet for the journal", err)
	}
	if err := p.at(start.Add(-5*time.Minute)).SubmitTabletJournal(ctx, tablet, "demo", map[integration.Kind]string{
		integration.Vision:  "A wide river, very slow, with light on it. I was floating above it and could see my parents' house on the bank.",
		integration.Feeling: "Calm at first, then a wave of sadness about my father, then relief. Tired but lighter the next morning.",
	}); err != nil {
		return step("journal", err)
	}
	if _, err := p.at(start.Add(-4*time.Minute)).TakeTabletBack(ctx, tablet, "therapist", therapistPassword(), "demo"); err != nil {
		return step("take the tablet back", err)
	}
	if _, err := p.at(start.Add(55*time.Minute)).HoldIntegration(ctx, ther, h.id, start); err != nil {
		return step("hold", err)
	}
	v, err := p.at(start.Add(70*time.Minute)).WriteIntegrationNote(ctx, ther, h.id,
		"Maria described the river image from her journal and connected it to grief for her father, who died two years ago. "+
			"She noticed the sadness came with relief rather than despair. Worked on staying with the feeling without judging it. "+
			"Plan: keep journalling the evening after each session; bring the image of the house to the next integration session.")
	if err != nil {
		return step("note", err)
	}
	if len(v.Notes) > 0 {
		if _, err := p.at(start.Add(90*time.Minute)).AmendIntegrationNote(ctx, ther, h.id, v.Notes[0].ID,
			v.Notes[0].Body+" PHQ-9 today 9, down from 17 at the start of the course.",
			"added the PHQ-9 trend discussed at the end of the session"); err != nil {
			return step("amend the note", err)
		}
	}

	// Yesterday's first Spravato session: booked by video for tomorrow at 10.
	b := ig.booked
	t := now.In(loc).AddDate(0, 0, 1)
	tomorrow := time.Date(t.Year(), t.Month(), t.Day(), 10, 0, 0, 0, loc)
	if _, err := p.at(b.out.Add(2*time.Hour)).BookIntegration(ctx, ther, b.id, app.BookInput{StartsAt: tomorrow, Mode: string(integration.Video)}); err != nil {
		return step("book yesterday's session", err)
	}
	return nil
}
