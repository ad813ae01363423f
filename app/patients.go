package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/outcomes"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
)

// NewWeight is a weight entered with a new patient or on the chart.
type NewWeight struct {
	KG         float64
	MeasuredAt time.Time
}

// CreatePatient registers a patient in the actor's clinic. A blank MRN is
// assigned the clinic's next number. Clinical fields need the clinical
// permission, as does a first weight.
func (a *App) CreatePatient(ctx context.Context, actor access.Actor, rec patients.Record, weight *NewWeight) (patients.Patient, error) {
	var p patients.Patient
	rec = rec.Normalize()
	if err := clinicalAllowed(actor, patients.Diff(patients.Record{}, rec), weight != nil); err != nil {
		a.auditFailure(ctx, actor, op{Action: access.PatientCreate, Category: access.CatClinical}, err)
		return p, err
	}
	category := access.CatDemographics
	if hasClinical(patients.Diff(patients.Record{}, rec)) || weight != nil {
		category = access.CatClinical
	}
	err := a.do(ctx, actor, op{Action: access.PatientCreate, Category: category}, func(tx *store.Tx, o *op) error {
		c, err := tx.Clinic(actor.ClinicID)
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		if err := rec.Validate(c.Today(now)); err != nil {
			return err
		}
		if weight != nil {
			if err := patients.ValidateWeight(weight.KG, weight.MeasuredAt, now); err != nil {
				return err
			}
		}
		if err := checkCareTeam(tx, actor.ClinicID, rec); err != nil {
			return err
		}
		if rec.MRN == "" {
			n, err := tx.NextMRN(actor.ClinicID)
			if err != nil {
				return err
			}
			rec.MRN = fmt.Sprintf("K%06d", n)
		}
		p = patients.Patient{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, Record: rec, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertPatient(p, actor.UserID, "registered"); err != nil {
			return err
		}
		if weight != nil {
			w := patients.Weight{ID: ketaflow.NewID(), PatientID: p.ID, KG: weight.KG, MeasuredAt: weight.MeasuredAt.UTC(),
				RecordedBy: actor.UserID, RecordedByName: actor.Name, RecordedAt: now}
			if err := tx.InsertWeight(actor.ClinicID, w); err != nil {
				return err
			}
			p.Weight = &w
		}
		o.PatientID = p.ID
		o.Detail = "registered MRN " + rec.MRN
		// The answer is the record as stored, as the caller may see it.
		p, err = tx.Patient(actor.ClinicID, p.ID)
		return err
	})
	return readable(actor, p, a.Clock.Now()), err
}

func hasClinical(changes []patients.Change) bool {
	for _, c := range changes {
		if c.Clinical {
			return true
		}
	}
	return false
}

// clinicalAllowed refuses, naming the field, a change to a clinical field by
// a role that may not make it.
func clinicalAllowed(actor access.Actor, changes []patients.Change, weight bool) error {
	if access.Can(actor.Role, access.PatientAmendClinic) {
		return nil
	}
	for _, c := range changes {
		if c.Clinical {
			return &ketaflow.Error{Code: ketaflow.EForbidden, Field: c.Field,
				Message: fmt.Sprintf("the %s role may not set %s; ask a nurse or prescriber", actor.Role.Label(), strings.ToLower(c.Label))}
		}
	}
	if weight {
		return &ketaflow.Error{Code: ketaflow.EForbidden, Field: "weight_kg",
			Message: fmt.Sprintf("the %s role may not record a weight; ask a nurse or prescriber", actor.Role.Label())}
	}
	return nil
}

// checkCareTeam checks that the assigned prescriber and therapist are active
// staff of the clinic with those roles.
func checkCareTeam(tx *store.Tx, clinicID string, rec patients.Record) error {
	for _, f := range []struct {
		field, id string
		role      access.Role
	}{{"prescriber_id", rec.PrescriberID, access.Prescriber}, {"therapist_id", rec.TherapistID, access.Therapist}} {
		if f.id == "" {
			continue
		}
		u, err := tx.User(clinicID, f.id)
		if ketaflow.IsCode(err, ketaflow.ENotFound) || (err == nil && (u.Role != f.role || !u.Active)) {
			return ketaflow.Invalid(f.field, "%s must be an active %s of this clinic", f.field, f.role.Label())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readable returns the patient as the actor may see it at now (under a
// break-glass access, the clinical record too).
func readable(actor access.Actor, p patients.Patient, now time.Time) patients.Patient {
	return redactPatient(reader(actor, p.ID, now), p)
}

// readCategory is the audit category of a read of the patient's record by
// the actor: clinical when they see the clinical record.
func (a *App) readCategory(actor access.Actor, patientID string) string {
	if Sees(reader(actor, patientID, a.Clock.Now()), PartClinicalRecord) {
		return access.CatClinical
	}
	return access.CatDemographics
}

// Patient returns one patient of the actor's clinic, with clinical fields
// only for roles that may see them. A patient of another clinic is not found.
func (a *App) Patient(ctx context.Context, actor access.Actor, id string) (patients.Patient, error) {
	var p patients.Patient
	err := a.view(ctx, actor, op{Action: access.PatientRead, Category: a.readCategory(actor, id), PatientID: id},
		func(tx *store.Tx, o *op) error {
			var err error
			p, err = tx.Patient(actor.ClinicID, id)
			if err != nil && !ketaflow.ValidID(id) {
				o.PatientID = ""
			}
			return err
		})
	return readable(actor, p, a.Clock.Now()), err
}

// Chart is what the patient page shows: the record, the visits and the
// timeline, and, for roles that may see clinical data, the weight history,
// the scores over time and the vitals of each session (chart.go).
type Chart struct {
	Patient patients.Patient
	Weights []patients.Weight
	Visits  []VisitSummary // newest first
	// Outcomes are the patient's courses with what each achieved, for
	// roles that see scores; OutcomeRules the thresholds they were judged by.
	Outcomes     []CourseOutcome
	OutcomeRules outcomes.Rules
	// BreakGlassMinutes is how long a break-glass access to the record
	// would last, for a reader from whom it is partly hidden (0 otherwise).
	BreakGlassMinutes int
	// Timeline is the visits, and what the role may see of what happened
	// in them, newest first.
	Timeline []ChartEntry
	// Scores are PHQ-9 and GAD-7 over time; Sessions the readings of each
	// visit, newest first. Empty for roles that may not see them.
	Scores   []ScoreSeries
	Sessions []SessionVitals
	// ClinicalHidden: the role sees no clinical content of the chart.
	ClinicalHidden bool
}

// PatientChart reads a patient's page in one audited read, so that opening
// the page writes exactly one audit entry naming the patient.
func (a *App) PatientChart(ctx context.Context, actor access.Actor, id string) (Chart, error) {
	var c Chart
	// The weight history is read only for a role that will see it.
	role := reader(actor, id, a.Clock.Now())
	clinical := Sees(role, PartClinicalRecord)
	err := a.view(ctx, actor, op{Action: access.PatientRead, Category: a.readCategory(actor, id), PatientID: id},
		func(tx *store.Tx, o *op) error {
			var err error
			if c.Patient, err = tx.Patient(actor.ClinicID, id); err != nil {
				if !ketaflow.ValidID(id) {
					o.PatientID = ""
				}
				return err
			}
			if clinical {
				if c.Weights, err = tx.Weights(actor.ClinicID, id, 0); err != nil {
					return err
				}
			}
			clinic, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			if Sees(role, PartScores) {
				pv, err := tx.CurrentProtocol(actor.ClinicID)
				if err != nil {
					return err
				}
				c.OutcomeRules = outcomes.RulesOf(pv.Rules.Integration)
				if c.Outcomes, err = patientCourses(tx, actor.ClinicID, id, c.OutcomeRules); err != nil {
					return err
				}
			}
			if !clinical && access.Can(actor.Role, access.BreakGlassOpen) {
				sec, err := a.protocolRules(tx, actor.ClinicID)
				if err != nil {
					return err
				}
				c.BreakGlassMinutes = sec.BreakGlassMinutes
			}
			rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{PatientID: id})
			if err != nil {
				return err
			}
			for _, r := range rows {
				c.Timeline = append(c.Timeline, visitEntry(r, clinic.Location()))
			}
			if seesChart(role) {
				if err := a.clinicalChart(tx, actor, &c, rows); err != nil {
					return err
				}
			}
			sortTimeline(c.Timeline)
			slices.Reverse(rows)
			c.Visits = summaries(rows, clinic.Location())
			return nil
		})
	return redactChart(role, c), err
}

// SearchPatients lists patients of the actor's clinic whose name or MRN
// contains every word of q, or whose date of birth is q (YYYY-MM-DD).
//
// Errors: EInvalid on field "q" for a search longer than a name, an MRN or
// a date (patients.CheckSearch).
func (a *App) SearchPatients(ctx context.Context, actor access.Actor, q string, limit int) ([]patients.Patient, error) {
	var out []patients.Patient
	query := store.PatientQuery{Limit: limit}
	q = strings.TrimSpace(q)
	if err := actor.Check(access.PatientList); err == nil {
		if err := patients.CheckSearch("q", q); err != nil {
			return nil, err
		}
	}
	if d, err := ketaflow.ParseDate(q); err == nil {
		query.BirthDate = d
	} else if d, ok := parseUSDate(q); ok {
		query.BirthDate = d
	} else {
		query.Text = q
	}
	err := a.view(ctx, actor, op{Action: access.PatientList, Category: access.CatDemographics}, func(tx *store.Tx, o *op) error {
		var err error
		out, err = tx.Patients(actor.ClinicID, query)
		ids := make([]string, 0, len(out))
		for _, p := range out {
			ids = append(ids, p.ID)
		}
		o.Detail = fmt.Sprintf("search %q: %d patients: %s", q, len(out), strings.Join(ids, " "))
		return err
	})
	for i := range out {
		out[i] = listedPatient(out[i])
	}
	return out, err
}

// parseUSDate accepts MM/DD/YYYY, the way front desks in the US type dates.
func parseUSDate(s string) (ketaflow.Date, bool) {
	t, err := time.Parse("1/2/2006", s)
	if err != nil {
		return ketaflow.Date{}, false
	}
	return ketaflow.DateOf(t), true
}

// AmendPatient saves a new version of a record. edit changes a copy of the
// current record; only the fields it changes are amended, so a role that
// cannot see clinical fields cannot blank them either. version is the
// version the user saw: if someone saved since, the amendment is refused
// rather than overwriting their change. A reason is required; the old
// version stays in the history.
func (a *App) AmendPatient(ctx context.Context, actor access.Actor, id string, version int, reason string,
	edit func(*patients.Record) error) (patients.Patient, error) {
	var p patients.Patient
	reason = strings.TrimSpace(reason)
	err := a.do(ctx, actor, op{Action: access.PatientAmend, Category: access.CatDemographics, PatientID: id},
		func(tx *store.Tx, o *op) error {
			var err error
			if p, err = tx.LockPatient(actor.ClinicID, id); err != nil {
				return err
			}
			if version != p.Version {
				return &ketaflow.Error{Code: ketaflow.EPrecondition, Field: "version", Message: fmt.Sprintf(
					"the record is at version %d but you amended version %d: someone saved a change meanwhile; reload and amend again", p.Version, version)}
			}
			rec := p.Record
			rec.Contraindications = append([]patients.Contraindication(nil), p.Contraindications...)
			if err := edit(&rec); err != nil {
				return err
			}
			rec = rec.Normalize()
			changes := patients.Diff(p.Record.Normalize(), rec)
			if len(changes) == 0 {
				return ketaflow.Invalid("", "nothing was changed")
			}
			if err := clinicalAllowed(actor, changes, false); err != nil {
				return err
			}
			if hasClinical(changes) {
				o.Category = access.CatClinical
			}
			if len(reason) < 3 || len(reason) > 500 {
				return ketaflow.Invalid("reason", "say why the record is amended (3 to 500 characters)")
			}
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			if err := rec.Validate(c.Today(a.Clock.Now())); err != nil {
				return err
			}
			if rec.MRN == "" {
				return ketaflow.Invalid("mrn", "MRN cannot be removed")
			}
			if err := checkCareTeam(tx, actor.ClinicID, rec); err != nil {
				return err
			}
			p.Record = rec
			p.Version++
			p.UpdatedAt = a.Clock.Now()
			if err := tx.UpdatePatient(p, actor.UserID, reason); err != nil {
				return err
			}
			names := make([]string, len(changes))
			for i, c := range changes {
				names[i] = c.Field
			}
			o.Detail = fmt.Sprintf("version %d: %s changed", p.Version, strings.Join(names, ", "))
			return nil
		})
	return readable(actor, p, a.Clock.Now()), err
}

// PatientVersions returns every version of a record with what changed in
// each, oldest first. Clinical fields are hidden from roles that may not see
// them.
func (a *App) PatientVersions(ctx context.Context, actor access.Actor, id string) ([]patients.Version, error) {
	var vs []patients.Version
	var names map[string]string
	err := a.view(ctx, actor, op{Action: access.PatientRead, Category: a.readCategory(actor, id), PatientID: id, Detail: "history"},
		func(tx *store.Tx, o *op) error {
			if _, err := tx.Patient(actor.ClinicID, id); err != nil {
				return err
			}
			var err error
			vs, err = tx.PatientVersions(actor.ClinicID, id)
			if err != nil {
				return err
			}
			names, err = staffNames(tx, actor.ClinicID)
			return err
		})
	prev := patients.Record{}
	for i := range vs {
		cur := vs[i].Record
		vs[i].Changes = patients.Diff(prev, cur)
		for j, c := range vs[i].Changes {
			if slices.Contains(patients.StaffFields, c.Field) {
				vs[i].Changes[j].FromName, vs[i].Changes[j].ToName = names[c.From], names[c.To]
			}
		}
		prev = cur
	}
	return redactVersions(reader(actor, id, a.Clock.Now()), vs), err
}

// RecordWeight adds a weight measurement to a patient's chart.
func (a *App) RecordWeight(ctx context.Context, actor access.Actor, patientID string, in NewWeight) (patients.Weight, error) {
	var w patients.Weight
	err := a.do(ctx, actor, op{Action: access.WeightRecord, Category: access.CatClinical, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
				return err
			}
			now := a.Clock.Now()
			if err := patients.ValidateWeight(in.KG, in.MeasuredAt, now); err != nil {
				return err
			}
			w = patients.Weight{ID: ketaflow.NewID(), PatientID: patientID, KG: in.KG, MeasuredAt: in.MeasuredAt.UTC(),
				RecordedBy: actor.UserID, RecordedByName: actor.Name, RecordedAt: now}
			o.Detail = "weight " + w.ID
			return tx.InsertWeight(actor.ClinicID, w)
		})
	return w, err
}

// Weights lists a patient's weights, newest first.
func (a *App) Weights(ctx context.Context, actor access.Actor, patientID string) ([]patients.Weight, error) {
	var out []patients.Weight
	err := a.view(ctx, actor, op{Action: access.PatientReadClinical, Category: access.CatClinical, PatientID: patientID, Detail: "weights"},
		func(tx *store.Tx, o *op) error {
			if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
				return err
			}
			var err error
			out, err = tx.Weights(actor.ClinicID, patientID, 0)
			return err
		})
	return out, err
}

// staffNames is every user of the clinic by id, active or not (a record
// names whoever was assigned then), for pages that show a person where an
// id is stored.
func staffNames(tx *store.Tx, clinicID string) (map[string]string, error) {
	us, err := tx.Users(clinicID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(us))
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, nil
}
