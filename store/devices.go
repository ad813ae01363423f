package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/visits"
)

// Monitor is a bedside monitor of a clinic and the chair it is assigned
// to ("" when none).
type Monitor struct {
	ID        string
	ClinicID  string
	Key       string
	Name      string
	ChairID   string
	ChairName string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InsertMonitor adds a monitor; a key the clinic has already is EConflict.
func (tx *Tx) InsertMonitor(m Monitor) error {
	_, err := tx.exec("insert monitor", `INSERT INTO monitors (id, clinic_id, key, name, chair_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, m.ClinicID, m.Key, m.Name, nullID(m.ChairID), m.CreatedAt, m.UpdatedAt)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "key", Message: "a monitor with the key " + m.Key + " exists already", Err: err}
	}
	return err
}

// UpdateMonitor saves a monitor's name and chair.
func (tx *Tx) UpdateMonitor(m Monitor) error {
	res, err := tx.exec("update monitor", `UPDATE monitors SET name = $1, chair_id = $2, updated_at = $3 WHERE clinic_id = $4 AND id = $5`,
		m.Name, nullID(m.ChairID), m.UpdatedAt, m.ClinicID, m.ID)
	return tx.one(res, err, "monitor")
}

const monitorSelect = `SELECT m.id, m.clinic_id, m.key, m.name, m.chair_id, COALESCE(c.name, ''), m.created_at, m.updated_at
	FROM monitors m LEFT JOIN chairs c ON c.id = m.chair_id `

func scanMonitor(sc interface{ Scan(...any) error }, m *Monitor) error {
	return sc.Scan(&m.ID, &m.ClinicID, &m.Key, &m.Name, nullString{&m.ChairID}, &m.ChairName, &m.CreatedAt, &m.UpdatedAt)
}

// Monitors lists a clinic's monitors by key.
func (tx *Tx) Monitors(clinicID string) ([]Monitor, error) {
	rows, err := tx.query("list monitors", monitorSelect+`WHERE m.clinic_id = $1 ORDER BY m.key`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Monitor
	for rows.Next() {
		var m Monitor
		if err := scanMonitor(rows, &m); err != nil {
			return nil, tx.db.mapErr("scan monitor", err)
		}
		out = append(out, m)
	}
	return out, tx.db.mapErr("list monitors", rows.Err())
}

// Monitor returns one monitor of a clinic.
func (tx *Tx) Monitor(clinicID, id string) (Monitor, error) {
	var m Monitor
	if !ketaflow.ValidID(id) {
		return m, ketaflow.NotFound("monitor")
	}
	err := tx.queryRow("get monitor", "monitor", monitorSelect+`WHERE m.clinic_id = $1 AND m.id = $2`, []any{clinicID, id},
		&m.ID, &m.ClinicID, &m.Key, &m.Name, nullString{&m.ChairID}, &m.ChairName, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

// InsertDeviceCode adds a row to the clinic's table of device codes; a
// code of the system the table has already is EConflict.
func (tx *Tx) InsertDeviceCode(clinicID string, c devices.Code, at time.Time) error {
	_, err := tx.exec("insert device code", `INSERT INTO device_codes (clinic_id, system, code, vital, unit, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, clinicID, c.System, c.Code, string(c.Vital), c.Unit, at)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "code", Message: fmt.Sprintf("the code %s of %q is in the table already", c.Code, c.System), Err: err}
	}
	return err
}

// DeleteDeviceCode takes a row out of the code table (it is settings, not
// a record: readings stored keep their values).
func (tx *Tx) DeleteDeviceCode(clinicID, system, code string) error {
	res, err := tx.exec("delete device code", `DELETE FROM device_codes WHERE clinic_id = $1 AND system = $2 AND code = $3`, clinicID, system, code)
	return tx.one(res, err, "device code")
}

// DeviceCodes lists the clinic's code table.
func (tx *Tx) DeviceCodes(clinicID string) ([]devices.Code, error) {
	rows, err := tx.query("list device codes", `SELECT system, code, vital, unit FROM device_codes WHERE clinic_id = $1 ORDER BY system, code`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []devices.Code
	for rows.Next() {
		var c devices.Code
		if err := rows.Scan(&c.System, &c.Code, &c.Vital, &c.Unit); err != nil {
			return nil, tx.db.mapErr("scan device code", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list device codes", rows.Err())
}

// DeviceMessage records an HL7 message's control id from a sender; it
// reports false, with the first one's time, when the message was stored
// already.
func (tx *Tx) DeviceMessage(clinicID, sender, controlID string, at time.Time, readings int) (bool, time.Time, error) {
	res, err := tx.exec("insert device message", `INSERT INTO device_messages (clinic_id, sender, control_id, received_at, readings)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, clinicID, sender, controlID, at, readings)
	if err != nil {
		return false, time.Time{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, time.Time{}, tx.db.mapErr("insert device message", err)
	}
	if n > 0 {
		return true, at, nil
	}
	var first time.Time
	err = tx.queryRow("get device message", "device message", `SELECT received_at FROM device_messages
		WHERE clinic_id = $1 AND sender = $2 AND control_id = $3`, []any{clinicID, sender, controlID}, &first)
	return false, first, err
}

// DeviceReading is a stored reading of a monitor.
type DeviceReading struct {
	ID         string
	ClinicID   string
	MonitorKey string
	MonitorID  string
	ChairID    string
	VisitID    string
	PatientID  string
	TakenAt    time.Time
	ReceivedAt time.Time
	Values     map[devices.Vital]int
	Source     string
	MessageID  string
	// Unassigned says why the reading has no visit; "" when it has one.
	Unassigned string
	// ValidatedAs is the charted reading a nurse made of it ("" while
	// not validated), ValidatedBy who.
	ValidatedAs string
	ValidatedBy string
}

var deviceColumns = []devices.Vital{devices.SpO2, devices.PulseRate, devices.Systolic, devices.Diastolic, devices.MeanPressure,
	devices.RespiratoryRate}

// InsertDeviceReading stores a monitor's reading.
func (tx *Tx) InsertDeviceReading(r DeviceReading) error {
	v := func(x devices.Vital) int { return r.Values[x] }
	_, err := tx.exec("insert device reading", `INSERT INTO device_readings (id, clinic_id, monitor_key, monitor_id, chair_id,
		visit_id, patient_id, taken_at, received_at, spo2, pulse_rate, systolic, diastolic, mean_pressure, respiratory_rate, source,
		message_id, unassigned) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		r.ID, r.ClinicID, r.MonitorKey, nullID(r.MonitorID), nullID(r.ChairID), nullID(r.VisitID), nullID(r.PatientID), r.TakenAt,
		r.ReceivedAt, v(devices.SpO2), v(devices.PulseRate), v(devices.Systolic), v(devices.Diastolic), v(devices.MeanPressure),
		v(devices.RespiratoryRate), r.Source, r.MessageID, r.Unassigned)
	return err
}

const deviceSelect = `SELECT d.id, d.clinic_id, d.monitor_key, d.monitor_id, d.chair_id, d.visit_id, d.patient_id, d.taken_at,
	d.received_at, d.spo2, d.pulse_rate, d.systolic, d.diastolic, d.mean_pressure, d.respiratory_rate, d.source, d.message_id,
	d.unassigned, COALESCE(CAST(x.vital_sign_id AS TEXT), ''), COALESCE(CAST(x.validated_by AS TEXT), '')
	FROM device_readings d LEFT JOIN device_validations x ON x.device_reading_id = d.id `

func (tx *Tx) deviceReadings(op, where string, args ...any) ([]DeviceReading, error) {
	rows, err := tx.query(op, deviceSelect+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeviceReading
	for rows.Next() {
		var r DeviceReading
		var vs [6]int
		if err := rows.Scan(&r.ID, &r.ClinicID, &r.MonitorKey, nullString{&r.MonitorID}, nullString{&r.ChairID}, nullString{&r.VisitID},
			nullString{&r.PatientID}, &r.TakenAt, &r.ReceivedAt, &vs[0], &vs[1], &vs[2], &vs[3], &vs[4], &vs[5], &r.Source, &r.MessageID,
			&r.Unassigned, &r.ValidatedAs, &r.ValidatedBy); err != nil {
			return nil, tx.db.mapErr("scan device reading", err)
		}
		r.Values = map[devices.Vital]int{}
		for i, x := range deviceColumns {
			if vs[i] != 0 {
				r.Values[x] = vs[i]
			}
		}
		out = append(out, r)
	}
	return out, tx.db.mapErr(op, rows.Err())
}

// VisitDeviceReadings lists a visit's device readings taken in [from, to],
// oldest first. The index on (visit_id, taken_at) makes it read only those.
func (tx *Tx) VisitDeviceReadings(visitID string, from, to time.Time) ([]DeviceReading, error) {
	if !ketaflow.ValidID(visitID) {
		return nil, nil
	}
	return tx.deviceReadings("list visit device readings", `WHERE d.visit_id = $1 AND d.taken_at >= $2 AND d.taken_at <= $3
		ORDER BY d.taken_at, d.id`, visitID, from, to)
}

// DeviceReading returns one device reading of a clinic.
func (tx *Tx) DeviceReading(clinicID, id string) (DeviceReading, error) {
	if !ketaflow.ValidID(id) {
		return DeviceReading{}, ketaflow.NotFound("device reading")
	}
	rs, err := tx.deviceReadings("get device reading", `WHERE d.clinic_id = $1 AND d.id = $2`, clinicID, id)
	if err != nil {
		return DeviceReading{}, err
	}
	if len(rs) == 0 {
		return DeviceReading{}, ketaflow.NotFound("device reading")
	}
	return rs[0], nil
}

// UnassignedDeviceReadings lists the clinic's latest readings that have no
// visit, newest first, at most limit.
func (tx *Tx) UnassignedDeviceReadings(clinicID string, limit int) ([]DeviceReading, error) {
	return tx.deviceReadings("list unassigned device readings", `WHERE d.clinic_id = $1 AND d.visit_id IS NULL
		ORDER BY d.received_at DESC, d.id LIMIT $2`, clinicID, limit)
}

// InsertDeviceValidation links a device reading to the charted reading a
// nurse made of it; a reading validated already is EConflict.
func (tx *Tx) InsertDeviceValidation(clinicID, visitID, deviceReadingID, vitalSignID, by string, at time.Time) error {
	_, err := tx.exec("insert device validation", `INSERT INTO device_validations (device_reading_id, clinic_id, visit_id, vital_sign_id,
		validated_by, validated_at) VALUES ($1, $2, $3, $4, $5, $6)`, deviceReadingID, clinicID, visitID, vitalSignID, by, at)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "reading", Message: "this monitor reading is in the chart already", Err: err}
	}
	return err
}

// ChairVisit is a visit on the floor in a chair, for a monitor's reading.
type ChairVisit struct {
	ID              string
	PatientID       string
	State           visits.State
	ProtocolVersion int
}

// ChairVisits lists the visits of a chair in the given states.
func (tx *Tx) ChairVisits(clinicID, chairID string, states []visits.State) ([]ChairVisit, error) {
	args := []any{clinicID, chairID}
	ph := make([]string, len(states))
	for i, s := range states {
		args = append(args, string(s))
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := tx.query("list chair visits", `SELECT id, patient_id, state, protocol_version FROM visits
		WHERE clinic_id = $1 AND chair_id = $2 AND state IN (`+strings.Join(ph, ", ")+`) ORDER BY scheduled_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChairVisit
	for rows.Next() {
		var v ChairVisit
		if err := rows.Scan(&v.ID, &v.PatientID, &v.State, &v.ProtocolVersion); err != nil {
			return nil, tx.db.mapErr("scan chair visit", err)
		}
		out = append(out, v)
	}
	return out, tx.db.mapErr("list chair visits", rows.Err())
}
