package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
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

// AlertQuery selects alerts. A query lists every alert it selects unless
// it names a page (Limit): nothing is cut silently.
type AlertQuery struct {
	ID       string
	VisitID  string
	VisitIDs []string
	// Unresolved leaves out the resolved alerts; Open leaves out the
	// acknowledged ones too; Acknowledged keeps only those acknowledged and
	// not resolved; Resolved only the resolved ones.
	Unresolved   bool
	Open         bool
	Acknowledged bool
	Resolved     bool
	// Unescalated leaves out the alerts whose escalation is recorded.
	Unescalated bool
	// AllClinics lists every clinic's alerts (the escalation clock);
	// clinicID is then ignored.
	AllClinics bool
	// Oldest lists oldest first (raised_at, then id) rather than newest
	// first; After then starts after that alert (a batch's last), so that
	// batches go on where the last one ended.
	Oldest bool
	After  *AlertCursor
	// Limit and Offset page the list; Limit 0 lists every alert selected.
	Limit  int
	Offset int
}

// AlertCursor is where a batch of alerts listed oldest first ended.
type AlertCursor struct {
	RaisedAt time.Time
	ID       string
}

// alertWhere is the condition of a query and its arguments; none reports
// a query that can select nothing (visit ids that are not ids).
func alertWhere(clinicID string, q AlertQuery) (where string, args []any, none bool, err error) {
	var conds []string
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !q.AllClinics {
		conds = append(conds, "a.clinic_id = "+arg(clinicID))
	}
	if q.ID != "" {
		if !ketaflow.ValidID(q.ID) {
			return "", nil, false, ketaflow.NotFound("alert")
		}
		conds = append(conds, "a.id = "+arg(q.ID))
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
			return "", nil, true, nil
		}
		conds = append(conds, "a.visit_id IN ("+strings.Join(in, ", ")+")")
	}
	event := func(kinds string) string {
		return "EXISTS (SELECT 1 FROM alert_events x WHERE x.alert_id = a.id AND x.kind IN (" + kinds + "))"
	}
	switch {
	case q.Open:
		conds = append(conds, "NOT "+event("'resolved', 'acknowledged'"))
	case q.Acknowledged:
		conds = append(conds, event("'acknowledged'"), "NOT "+event("'resolved'"))
	case q.Unresolved:
		conds = append(conds, "NOT "+event("'resolved'"))
	case q.Resolved:
		conds = append(conds, event("'resolved'"))
	}
	if q.Unescalated {
		conds = append(conds, "NOT "+event("'escalated'"))
	}
	if c := q.After; c != nil {
		if !ketaflow.ValidID(c.ID) {
			return "", nil, false, ketaflow.Invalid("after", "not an alert id")
		}
		conds = append(conds, "(a.raised_at > "+arg(c.RaisedAt)+" OR (a.raised_at = "+arg(c.RaisedAt)+" AND a.id > "+arg(c.ID)+"))")
	}
	if len(conds) == 0 {
		conds = append(conds, "1 = 1")
	}
	return strings.Join(conds, " AND "), args, false, nil
}

// CountAlerts is how many alerts the query selects in all, its Limit and
// Offset aside: what a page of them is out of.
func (tx *Tx) CountAlerts(clinicID string, q AlertQuery) (int, error) {
	where, args, none, err := alertWhere(clinicID, q)
	if err != nil || none {
		return 0, err
	}
	var n int
	err = tx.queryRow("count alerts", "alerts", `SELECT COUNT(*) FROM alerts a WHERE `+where, args, &n)
	return n, err
}

// Alerts lists the alerts the query selects, newest first (oldest first
// with Oldest), each with its events, oldest first.
func (tx *Tx) Alerts(clinicID string, q AlertQuery) ([]AlertRow, error) {
	where, args, none, err := alertWhere(clinicID, q)
	if err != nil || none {
		return nil, err
	}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	order := "a.raised_at DESC, a.id DESC"
	if q.Oldest {
		order = "a.raised_at, a.id"
	}
	page := ""
	if q.Limit > 0 {
		page = " LIMIT " + arg(q.Limit) + " OFFSET " + arg(max(q.Offset, 0))
	}
	rows, err := tx.query("list alerts", `SELECT a.id, a.clinic_id, a.visit_id, a.patient_id, a.kind, a.severity, a.addressed_to,
		a.raised_at, a.since, a.detail, a.reading_ids, a.response_id, a.item9, p.legal_name, c.name, v.state, v.protocol_version
		FROM alerts a JOIN patients p ON p.id = a.patient_id JOIN visits v ON v.id = a.visit_id
		LEFT JOIN chairs c ON c.id = v.chair_id
		WHERE `+where+` ORDER BY `+order+page, args...)
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
	// The events, for the alerts listed, a batch of ids at a time: one list
	// as long as a clinic's history would pass the databases' limits on
	// parameters.
	for ids := range slices.Chunk(slices.Collect(maps.Keys(index)), eventBatch) {
		if err := tx.alertEvents(ids, out, index); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eventBatch is how many alerts' events one query reads.
const eventBatch = 500

// alertEvents reads the events of the alerts ids into out, oldest first.
func (tx *Tx) alertEvents(ids []string, out []AlertRow, index map[string]int) error {
	var args []any
	var in []string
	for _, id := range ids {
		args = append(args, id)
		in = append(in, fmt.Sprintf("$%d", len(args)))
	}
	evs, err := tx.query("list alert events", `SELECT e.alert_id, e.kind, e.at, e.by_user, u.display_name, e.action, e.risk,
		e.proceed, e.severity, e.addressed_to FROM alert_events e LEFT JOIN users u ON u.id = e.by_user
		WHERE e.alert_id IN (`+strings.Join(in, ", ")+`) ORDER BY e.at, e.recorded_at, e.id`, args...)
	if err != nil {
		return err
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
			return tx.db.mapErr("scan alert event", err)
		}
		e.ByName, e.Proceed, e.To = deref(name), proceed, access.Role(to)
		i := index[id]
		out[i].Events = append(out[i].Events, e)
	}
	return tx.db.mapErr("list alert events", evs.Err())
}
