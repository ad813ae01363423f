// Package demo loads a fictional clinic into an empty database, so that a
// newcomer who runs `ketaflow serve --demo` sees a working clinic: staff of
// every role, a dozen patients, and (with the later steps of a visit) a
// morning under way. Every record is made through the same services staff
// use, so the demo also fills the audit log honestly.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
)

// ClinicName names the demo clinic; its presence means the demo is loaded.
const ClinicName = "Riverside Ketamine Clinic (demo)"

// Login is a demo account to print at start-up.
type Login struct {
	Username, Password string
	Role               access.Role
	Name               string
}

// Logins are the demo staff. The passwords are public: the demo is for
// trying ketaflow, never for real patients.
var Logins = []Login{
	{"admin", "admin-ketaflow", access.Admin, "Alex Morgan"},
	{"prescriber", "prescriber-ketaflow", access.Prescriber, "Dr Priya Raman"},
	{"nurse", "nurse-ketaflow", access.Nurse, "Sam Okafor, RN"},
	{"nurse2", "nurse2-ketaflow", access.Nurse, "Jordan Lee, RN"},
	{"therapist", "therapist-ketaflow", access.Therapist, "Dr Elena Brooks"},
	{"frontdesk", "frontdesk-ketaflow", access.FrontDesk, "Chris Diaz"},
}

// Chairs are the demo clinic's treatment chairs.
var Chairs = []string{"Chair 1 (window)", "Chair 2", "Chair 3", "Chair 4", "Chair 5", "Garden room"}

type person struct {
	legal, preferred, dob string
	sex                   patients.Sex
	phone, email          string
	kg                    float64
	weighedDaysAgo        int
	heightCM              float64
	allergies             string
	contra                []patients.Contraindication
	rems                  string
	emergency             patients.EmergencyContact
}

// people are fictional; any likeness is chance.
var people = []person{
	{"Maria Elena Alvarez", "Maria", "1984-03-12", patients.Female, "+1 555 010 0101", "maria.alvarez@example.org", 64, 3, 165, "", nil, "", ec("Luis Alvarez", "husband", "+1 555 010 0102")},
	{"James Whitfield", "Jim", "1969-11-02", patients.Male, "+1 555 010 0111", "jwhitfield@example.org", 92.5, 10, 183, "penicillin (rash)", nil, "REMS-P-204881", ec("Ann Whitfield", "wife", "+1 555 010 0112")},
	{"Aisha Bello", "", "1991-07-23", patients.Female, "+1 555 010 0121", "aisha.bello@example.org", 58.2, 2, 160, "", nil, "", ec("Tunde Bello", "brother", "+1 555 010 0122")},
	{"Robert Chen", "Rob", "1957-01-30", patients.Male, "+1 555 010 0131", "", 78, 45, 175, "", []patients.Contraindication{patients.UncontrolledHypertension}, "REMS-P-310427", ec("Grace Chen", "daughter", "+1 555 010 0132")},
	{"Sofia Rossi", "", "1999-05-17", patients.Female, "+1 555 010 0141", "sofia.rossi@example.org", 55.4, 7, 168, "latex", nil, "", ec("Marco Rossi", "father", "+1 555 010 0142")},
	{"Daniel O'Brien", "Dan", "1978-09-09", patients.Male, "+1 555 010 0151", "dan.obrien@example.org", 101.3, 14, 188, "", nil, "REMS-P-118204", ec("Kate O'Brien", "partner", "+1 555 010 0152")},
	{"Hannah Schmidt", "", "1988-12-01", patients.Female, "+1 555 010 0161", "", 70.1, 1, 172, "", []patients.Contraindication{patients.Pregnancy}, "", ec("Felix Schmidt", "husband", "+1 555 010 0162")},
	{"Kwame Mensah", "", "1982-04-14", patients.Male, "+1 555 010 0171", "kwame.mensah@example.org", 84, 20, 180, "", nil, "REMS-P-552019", ec("Efua Mensah", "sister", "+1 555 010 0172")},
	{"Yuki Tanaka", "", "1995-08-28", patients.Other, "+1 555 010 0181", "yuki.t@example.org", 61.7, 5, 170, "", nil, "", ec("Ren Tanaka", "sibling", "+1 555 010 0182")},
	{"Patricia Nowak", "Pat", "1961-02-19", patients.Female, "+1 555 010 0191", "", 68.9, 9, 162, "sulfa drugs", nil, "REMS-P-774310", ec("Adam Nowak", "son", "+1 555 010 0192")},
	{"Miguel Santos", "", "1986-06-06", patients.Male, "+1 555 010 0201", "miguel.santos@example.org", 77.5, 60, 176, "", nil, "", ec("Rosa Santos", "mother", "+1 555 010 0202")},
	{"Olivia Grant", "Liv", "2001-10-10", patients.Female, "+1 555 010 0211", "olivia.grant@example.org", 59, 4, 164, "", []patients.Contraindication{patients.ArteriovenousMalformation}, "", ec("Noah Grant", "partner", "+1 555 010 0212")},
}

func ec(name, relation, phone string) patients.EmergencyContact {
	return patients.EmergencyContact{Name: name, Relation: relation, Phone: phone}
}

// Loaded reports whether the demo clinic exists.
func Loaded(ctx context.Context, a *app.App) (bool, error) {
	cs, err := a.Clinics(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Name == ClinicName {
			return true, nil
		}
	}
	return false, nil
}

// Load creates the demo clinic, in time zone tz (an IANA name), in a
// database that has no clinic yet. Its morning is placed around the app
// clock's present in that zone, so the command passes the machine's own
// zone: a newcomer's demo morning is their morning. It refuses a database
// that holds any clinic, so it can never mix fictional patients into a
// real clinic's records.
func Load(ctx context.Context, a *app.App, tz string) (ketaflow.Clinic, error) {
	cs, err := a.Clinics(ctx)
	if err != nil {
		return ketaflow.Clinic{}, err
	}
	if len(cs) > 0 {
		return ketaflow.Clinic{}, ketaflow.Errorf(ketaflow.EConflict, "the database already holds a clinic (%s); the demo loads only into an empty database", cs[0].Name)
	}
	c, err := a.CreateDemoClinic(ctx, ClinicName, tz)
	if err != nil {
		return c, fmt.Errorf("demo clinic: %w", err)
	}
	users := map[access.Role]access.User{}
	var nurse2 access.User
	for _, l := range Logins {
		u, err := a.AddUserFromCommandLine(ctx, c.ID, app.NewUser{Username: l.Username, Name: l.Name, Role: l.Role, Password: l.Password})
		if err != nil {
			return c, fmt.Errorf("demo user %s: %w", l.Username, err)
		}
		if _, seen := users[l.Role]; !seen {
			users[l.Role] = u
		} else if l.Role == access.Nurse {
			nurse2 = u
		}
	}
	admin := users[access.Admin].Actor("demo")
	// The numbers are of the 555-01xx range, kept for fiction.
	rems, phone, onCall := "RS-DEMO-0417", "+1 555 010 0300", "+1 555 010 0301"
	if _, err := a.UpdateClinic(ctx, admin, app.ClinicChange{REMSSettingID: &rems, Phone: &phone, OnCallPhone: &onCall}); err != nil {
		return c, fmt.Errorf("demo clinic settings: %w", err)
	}
	var chairs []ketaflow.Chair
	for _, name := range Chairs {
		ch, err := a.AddChair(ctx, admin, name)
		if err != nil {
			return c, fmt.Errorf("demo chair %s: %w", name, err)
		}
		chairs = append(chairs, ch)
	}
	if err := addMonitors(ctx, a, admin, chairs); err != nil {
		return c, err
	}
	nurse := users[access.Nurse].Actor("demo")
	now := a.Clock.Now()
	var pts []patients.Patient
	for _, p := range people {
		dob, err := ketaflow.ParseDate(p.dob)
		if err != nil {
			return c, err
		}
		rec := patients.Record{LegalName: p.legal, PreferredName: p.preferred, BirthDate: dob, Sex: p.sex, Phone: p.phone,
			Email: p.email, Emergency: p.emergency, REMSPatientID: p.rems, PrescriberID: users[access.Prescriber].ID,
			TherapistID: users[access.Therapist].ID, HeightCM: p.heightCM, Allergies: p.allergies, Contraindications: p.contra}
		w := &app.NewWeight{KG: p.kg, MeasuredAt: now.Add(-time.Duration(p.weighedDaysAgo) * 24 * time.Hour)}
		pt, err := a.CreatePatient(ctx, nurse, rec, w)
		if err != nil {
			return c, fmt.Errorf("demo patient %s: %w", p.legal, err)
		}
		pts = append(pts, pt)
	}
	st := staff{admin: admin, prescriber: users[access.Prescriber].Actor("demo"), nurse: nurse,
		nurse2: nurse2.Actor("demo"), frontdesk: users[access.FrontDesk].Actor("demo"), therapist: users[access.Therapist].Actor("demo")}
	if err := loadMorning(ctx, a, st, pts, chairs); err != nil {
		return c, err
	}
	return c, nil
}
