package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/outcomes"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/web"
)

type patientsData struct {
	Query    string
	Patients []patients.Patient
	Searched bool
}

func (h *UI) patientsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, err := h.app.SearchPatients(r.Context(), actor, q, 200)
	if ketaflow.IsCode(err, ketaflow.EInvalid) {
		v := h.newView(r, actor, "Patients", "patients")
		v.withError(err)
		v.Data = patientsData{Query: q}
		return h.render(w, http.StatusBadRequest, "patients", v)
	}
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Patients", "patients")
	v.withSetup()
	v.Data = patientsData{Query: q, Patients: list, Searched: q != ""}
	return h.render(w, http.StatusOK, "patients", v)
}

type patientData struct {
	Visits   []app.VisitSummary
	Patient  patients.Patient
	Weights  []patients.Weight
	Team     map[string]string // user id -> name
	Contra   []patients.Contraindication
	WeightAt string // default for the weight form: now, local
	// Outcomes are the courses' outcomes, for roles that see scores.
	Outcomes     []app.CourseOutcome
	OutcomeRules outcomes.Rules
	// BreakGlassMinutes: how long a break-glass access would last.
	BreakGlassMinutes int
	// The chart: the timeline, the scores and the sessions' vitals, drawn.
	Timeline       []app.ChartEntry
	Scores         []scoreChart
	Sessions       []vitalsChart
	ClinicalHidden bool
}

func (h *UI) patientPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderPatient(w, r, actor, r.PathValue("id"), http.StatusOK, nil)
}

func (h *UI) renderPatient(w http.ResponseWriter, r *http.Request, actor access.Actor, id string, status int, formErr error) error {
	chart, err := h.app.PatientChart(r.Context(), actor, id)
	if err != nil {
		return err
	}
	p := chart.Patient
	team, err := h.teamNames(r, actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, p.DisplayName(), "patients")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = patientData{Visits: chart.Visits, Patient: p, Weights: chart.Weights, Team: team, Contra: p.Contraindications,
		WeightAt: v.Now.In(v.Loc).Format(timeInputLayout), Outcomes: chart.Outcomes, OutcomeRules: chart.OutcomeRules,
		BreakGlassMinutes: chart.BreakGlassMinutes, Timeline: chart.Timeline, Scores: scoreCharts(chart.Scores, v.Loc),
		Sessions: vitalsCharts(chart.Sessions, v.Loc), ClinicalHidden: chart.ClinicalHidden}
	return h.render(w, status, "patient", v)
}

func (h *UI) teamNames(r *http.Request, actor access.Actor) (map[string]string, error) {
	staff, err := h.app.StaffNames(r.Context(), actor, access.Prescriber, access.Therapist)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, u := range staff {
		m[u.ID] = u.Name
	}
	return m, nil
}

type patientFormData struct {
	New          bool
	Patient      patients.Patient
	Form         url.Values
	Prescribers  []access.User
	Therapists   []access.User
	Sexes        []patients.Sex
	Contra       []patients.Contraindication
	ShowClinical bool
	Reason       string
}

// Value returns what the form field shows: what was posted, or else the
// record's value.
func (d patientFormData) Value(field string) string {
	if d.Form != nil {
		return d.Form.Get(field)
	}
	r := d.Patient.Record
	switch field {
	case "mrn":
		return r.MRN
	case "legal_name":
		return r.LegalName
	case "preferred_name":
		return r.PreferredName
	case "birth_date":
		return r.BirthDate.String()
	case "sex":
		return string(r.Sex)
	case "phone":
		return r.Phone
	case "email":
		return r.Email
	case "emergency_contact.name":
		return r.Emergency.Name
	case "emergency_contact.relation":
		return r.Emergency.Relation
	case "emergency_contact.phone":
		return r.Emergency.Phone
	case "rems_patient_id":
		return r.REMSPatientID
	case "prescriber_id":
		return r.PrescriberID
	case "therapist_id":
		return r.TherapistID
	case "height_cm":
		if r.HeightCM == 0 {
			return ""
		}
		return strconv.FormatFloat(r.HeightCM, 'f', -1, 64)
	case "allergies":
		return r.Allergies
	}
	return ""
}

// Has reports whether a contraindication is ticked.
func (d patientFormData) Has(c patients.Contraindication) bool {
	if d.Form != nil {
		for _, v := range d.Form["contraindications"] {
			if v == string(c) {
				return true
			}
		}
		return false
	}
	for _, x := range d.Patient.Contraindications {
		if x == c {
			return true
		}
	}
	return false
}

func (h *UI) patientForm(r *http.Request, actor access.Actor, p patients.Patient, isNew bool, form url.Values) (patientFormData, error) {
	pres, err := h.app.StaffNames(r.Context(), actor, access.Prescriber)
	if err != nil {
		return patientFormData{}, err
	}
	ther, err := h.app.StaffNames(r.Context(), actor, access.Therapist)
	if err != nil {
		return patientFormData{}, err
	}
	return patientFormData{New: isNew, Patient: p, Form: form, Prescribers: pres, Therapists: ther,
		Sexes: patients.Sexes, Contra: patients.Contraindications,
		ShowClinical: access.Can(actor.Role, access.PatientAmendClinic)}, nil
}

func (h *UI) newPatientPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.PatientCreate, access.CatDemographics); err != nil {
		return err
	}
	d, err := h.patientForm(r, actor, patients.Patient{}, true, nil)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "New patient", "patients")
	v.Data = d
	return h.render(w, http.StatusOK, "patient_form", v)
}

// applyPatientForm copies the posted fields onto a record. Clinical fields
// are copied only when the form showed them, so a form without them leaves
// them as they were.
func applyPatientForm(form url.Values, rec *patients.Record) error {
	var p ketaflow.Problems
	text := map[string]*string{
		"mrn": &rec.MRN, "legal_name": &rec.LegalName, "preferred_name": &rec.PreferredName, "phone": &rec.Phone,
		"email": &rec.Email, "emergency_contact.name": &rec.Emergency.Name,
		"emergency_contact.relation": &rec.Emergency.Relation, "emergency_contact.phone": &rec.Emergency.Phone,
		"rems_patient_id": &rec.REMSPatientID, "prescriber_id": &rec.PrescriberID, "therapist_id": &rec.TherapistID,
	}
	for name, dst := range text {
		if form.Has(name) {
			*dst = form.Get(name)
		}
	}
	if form.Has("sex") {
		rec.Sex = patients.Sex(form.Get("sex"))
	}
	if form.Has("birth_date") {
		rec.BirthDate = ketaflow.Date{}
		if v := strings.TrimSpace(form.Get("birth_date")); v != "" {
			d, err := ketaflow.ParseDate(v)
			if err != nil {
				p.Add("birth_date", "date of birth must be a date (YYYY-MM-DD)")
			}
			rec.BirthDate = d
		}
	}
	if form.Get("clinical_shown") == "1" {
		rec.Allergies = form.Get("allergies")
		rec.HeightCM = 0
		if v := strings.TrimSpace(form.Get("height_cm")); v != "" {
			h, err := strconv.ParseFloat(v, 64)
			if err != nil {
				p.Add("height_cm", "height must be a number of centimetres, %g to %g", patients.MinHeightCM, patients.MaxHeightCM)
			}
			rec.HeightCM = h
		}
		cs, err := patients.ParseContraindications("contraindications", form["contraindications"])
		if err != nil {
			p.Add("contraindications", "%s", ketaflow.ErrorMessage(err))
		}
		rec.Contraindications = cs
	}
	return p.Err()
}

// parseWeightForm reads an optional weight and the local time it was
// measured; a blank weight means none was entered.
func parseWeightForm(form url.Values, loc *time.Location, now time.Time) (*app.NewWeight, error) {
	v := strings.TrimSpace(form.Get("weight_kg"))
	if v == "" {
		return nil, nil
	}
	var p ketaflow.Problems
	kg, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.Add("weight_kg", "weight must be a number of kilograms, %g to %g", patients.MinWeightKG, patients.MaxWeightKG)
	}
	at := now
	if t := timeField(&p, form, "measured_at", "the time measured", loc, now); t != nil {
		at = *t
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &app.NewWeight{KG: kg, MeasuredAt: at}, nil
}

func (h *UI) createPatientSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	v := h.newView(r, actor, "New patient", "patients")
	var rec patients.Record
	err := applyPatientForm(r.PostForm, &rec)
	var weight *app.NewWeight
	if err == nil && r.PostForm.Get("clinical_shown") == "1" {
		weight, err = parseWeightForm(r.PostForm, v.Loc, v.Now)
	}
	var p patients.Patient
	if err == nil {
		p, err = h.app.CreatePatient(r.Context(), actor, rec, weight)
	}
	if err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		d, ferr := h.patientForm(r, actor, patients.Patient{}, true, r.PostForm)
		if ferr != nil {
			return ferr
		}
		v.withError(err)
		v.Data = d
		return h.render(w, web.Status(err), "patient_form", v)
	}
	return redirect(w, r, "/patients/"+p.ID+"?done=created")
}

func (h *UI) amendPatientPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.PatientAmend, access.CatDemographics); err != nil {
		return err
	}
	p, err := h.app.Patient(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := h.patientForm(r, actor, p, false, nil)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Amend "+p.DisplayName(), "patients")
	v.Data = d
	return h.render(w, http.StatusOK, "patient_form", v)
}

func (h *UI) amendPatientSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	reason := r.PostForm.Get("reason")
	p, err := h.app.AmendPatient(r.Context(), actor, id, version, reason, func(rec *patients.Record) error {
		return applyPatientForm(r.PostForm, rec)
	})
	if err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.ENotFound) || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		cur, gerr := h.app.Patient(r.Context(), actor, id)
		if gerr != nil {
			return gerr
		}
		form := r.PostForm
		d, ferr := h.patientForm(r, actor, cur, false, form)
		if ferr != nil {
			return ferr
		}
		v := h.newView(r, actor, "Amend "+cur.DisplayName(), "patients")
		v.withError(err)
		if ketaflow.IsCode(err, ketaflow.EPrecondition) {
			// Show the newer version, keeping the user's text visible in the error.
			d.Form = nil
		}
		d.Reason = reason
		v.Data = d
		return h.render(w, web.Status(err), "patient_form", v)
	}
	return redirect(w, r, "/patients/"+p.ID+"?done=amended")
}

type historyData struct {
	Patient  patients.Patient
	Versions []patients.Version
}

func (h *UI) patientHistoryPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	p, err := h.app.Patient(r.Context(), actor, id)
	if err != nil {
		return err
	}
	vs, err := h.app.PatientVersions(r.Context(), actor, id)
	if err != nil {
		return err
	}
	// Newest first: the question is usually "what changed lately".
	for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
		vs[i], vs[j] = vs[j], vs[i]
	}
	v := h.newView(r, actor, "History of "+p.DisplayName(), "patients")
	v.Data = historyData{Patient: p, Versions: vs}
	return h.render(w, http.StatusOK, "patient_history", v)
}

func (h *UI) recordWeightSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	id := r.PathValue("id")
	v := h.newView(r, actor, "", "patients")
	nw, err := parseWeightForm(r.PostForm, v.Loc, v.Now)
	if err == nil && nw == nil {
		err = ketaflow.Invalid("weight_kg", "enter the weight in kilograms, %g to %g", patients.MinWeightKG, patients.MaxWeightKG)
	}
	if err == nil {
		_, err = h.app.RecordWeight(r.Context(), actor, id, *nw)
	}
	if err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.ENotFound) || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		return h.renderPatient(w, r, actor, id, web.Status(err), err)
	}
	return redirect(w, r, "/patients/"+id+"?done=weight")
}

// inputField is one labelled form field for the "input" template.
type inputField struct {
	Name, Label, Type, Hint, Value, Error, Extra string
	Required                                     bool
}

// Input describes a field of the patient form with its value and error.
func (d patientFormData) Input(v view, name, label, typ, hint string) inputField {
	return inputField{Name: name, Label: label, Type: typ, Hint: hint, Value: d.Value(name), Error: v.FieldError(name),
		Required: name == "legal_name" || name == "birth_date"}
}
