package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/visits"
)

// AlertRow is a stored alert with its events and what a list shows beside
// it.
type AlertRow struct {
	alerts.Alert
	PatientName string
	ChairName   string
	VisitState  visits.State
	// ProtocolVersion is the visit's: its escalation times.
	ProtocolVersion int
}

// InsertAlert raises an alert; its events are inserted with
// InsertAlertEvent.
func (tx *Tx) InsertAlert(a alerts.Alert) error {
	ids := a.ReadingIDs
	if ids == nil {
		ids = []string{}
	}
	readings, err := json.Marshal(ids)
	if err != nil {
		return ketaflow.Internal("marshal alert readings", err)
	}
	_, err = tx.exec("insert alert", `INSERT INTO alerts (id, clinic_id, visit_id, patient_id, kind, severity, addressed_to,
		raised_at, since, detail, reading_ids, response_id, item9) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		a.ID, a.ClinicID, a.VisitID, a.PatientID, string(a.Kind), string(a.Severity), string(a.To), a.RaisedAt, a.Since, a.Detail,
		string(readings), nullID(a.ResponseID), a.Item9)
	return err
}

const insertAlertEvent = `INSERT INTO alert_events (id, clinic_id, alert_id, kind, at, recorded_at, by_user, action, risk,
	proceed, severity, addressed_to) `

func eventArgs(clinicID, alertID string, e alerts.Event, recordedAt time.Time) []any {
	var proceed any
	if e.Proceed != nil {
		proceed = *e.Proceed
	}
	return []any{ketaflow.NewID(), clinicID, alertID, string(e.Kind), e.At, recordedAt, nullID(e.By), e.Action, e.Risk, proceed,
		string(e.Severity), string(e.To)}
}

// InsertAlertEvent records a step of an alert's life. A second resolution,
// clearing or escalation of one alert is refused (EConflict).
func (tx *Tx) InsertAlertEvent(clinicID, alertID string, e alerts.Event, recordedAt time.Time) error {
	_, err := tx.exec("insert alert event", insertAlertEvent+`VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		eventArgs(clinicID, alertID, e, recordedAt)...)
	return err
}

// InsertEscalation records an alert's escalation unless it is recorded
// already or the alert was acknowledged or resolved meanwhile (by a
// transaction that committed first). It reports whether it recorded one.
func (tx *Tx) InsertEscalation(clinicID, alertID string, e alerts.Event, recordedAt time.Time) (bool, error) {
	res, err := tx.exec("insert escalation", insertAlertEvent+`SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
		WHERE NOT EXISTS (SELECT 1 FROM alert_events x WHERE x.alert_id = $3 AND x.kind IN ('acknowledged', 'resolved', 'escalated'))
		ON CONFLICT DO NOTHING`, eventArgs(clinicID, alertID, e, recordedAt)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, tx.db.mapErr("insert escalation", err)
}

// AlertQuery selects alerts.
type AlertQuery struct {
	ID       string
	VisitID  string
	VisitIDs []string
	// Unresolved leaves out the resolved alerts; Open leaves out the
	// acknowledged ones too.
	Unresolved bool
	Open       bool
	// AllClinics lists every clinic's alerts (the escalation clock);
	// clinicID is then ignored.
	AllClinics bool
	Limit      int
}

// Alerts lists alerts, newest first, each with its events, oldest first.
func (tx *Tx) Alerts(clinicID string, q AlertQuery) ([]AlertRow, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !q.AllClinics {
		where = append(where, "a.clinic_id = "+arg(clinicID))
	}
	if q.ID != "" {
		if !ketaflow.ValidID(q.ID) {
			return nil, ketaflow.NotFound("alert")
		}
		where = append(where, "a.id = "+arg(q.ID))
	}
	if q.VisitID != "" {
		q.VisitIDs = append(q.VisitIDs, q.VisitID)
	}
	if len(q.VisitIDs) > 0 {
		var in []string
		for _, id := range q.VisitIDs {
			if ketaflow.ValidID(id) {
				in = append(in, arg(id))
			}
		}
		if len(in) == 0 {
			return nil, nil
		}
		where = append(where, "a.visit_id IN ("+strings.Join(in, ", ")+")")
	}
	if q.Unresolved || q.Open {
		kinds := "'resolved'"
		if q.Open {
			kinds = "'resolved', 'acknowledged'"
		}
		where = append(where, "NOT EXISTS (SELECT 1 FROM alert_events x WHERE x.alert_id = a.id AND x.kind IN ("+kinds+"))")
	}
	if len(where) == 0 {
		where = append(where, "1 = 1")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 200
	}
	rows, err := tx.query("list alerts", `SELECT a.id, a.clinic_id, a.visit_id, a.patient_id, a.kind, a.severity, a.addressed_to,
		a.raised_at, a.since, a.detail, a.reading_ids, a.response_id, a.item9, p.legal_name, c.name, v.state, v.protocol_version
		FROM alerts a JOIN patients p ON p.id = a.patient_id JOIN visits v ON v.id = a.visit_id
		LEFT JOIN chairs c ON c.id = v.chair_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.raised_at DESC, a.id DESC LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AlertRow
	index := map[string]int{}
	for rows.Next() {
		var r AlertRow
		var readings string
		var chair *string
		if err := rows.Scan(&r.ID, &r.ClinicID, &r.VisitID, &r.PatientID, &r.Kind, &r.Severity, &r.To, &r.RaisedAt, &r.Since,
			&r.Detail, &readings, nullString{&r.ResponseID}, &r.Item9, &r.PatientName, &chair, &r.VisitState,
			&r.ProtocolVersion); err != nil {
			return nil, tx.db.mapErr("scan alert", err)
		}
		r.ChairName = deref(chair)
		if err := json.Unmarshal([]byte(readings), &r.ReadingIDs); err != nil {
			return nil, ketaflow.Internal("decode alert readings", err)
		}
		index[r.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.db.mapErr("list alerts", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	args = nil
	var in []string
	for _, r := range out {
		in = append(in, arg(r.ID))
	}
	evs, err := tx.query("list alert events", `SELECT e.alert_id, e.kind, e.at, e.by_user, u.display_name, e.action, e.risk,
		e.proceed, e.severity, e.addressed_to FROM alert_events e LEFT JOIN users u ON u.id = e.by_user
		WHERE e.alert_id IN (`+strings.Join(in, ", ")+`) ORDER BY e.at, e.recorded_at, e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer evs.Close()
	for evs.Next() {
		var id string
		var e alerts.Event
		var name *string
		var proceed *bool
		var to string
		if err := evs.Scan(nullString{&id}, &e.Kind, &e.At, nullString{&e.By}, &name, &e.Action, &e.Risk, &proceed, &e.Severity,
			&to); err != nil {
			return nil, tx.db.mapErr("scan alert event", err)
		}
		e.ByName, e.Proceed, e.To = deref(name), proceed, access.Role(to)
		i := index[id]
		out[i].Events = append(out[i].Events, e)
	}
	return out, tx.db.mapErr("list alert events", evs.Err())
}
