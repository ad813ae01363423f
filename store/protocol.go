package store

import (
	"encoding/json"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// InsertProtocolVersion saves a new version of a clinic's protocol. Two
// saves of the same number conflict (UNIQUE), so concurrent edits cannot
// both win.
func (tx *Tx) InsertProtocolVersion(v protocol.Version) error {
	b, err := json.Marshal(v.Rules)
	if err != nil {
		return ketaflow.Internal("marshal protocol", err)
	}
	_, err = tx.exec("insert protocol version", `INSERT INTO protocol_versions (id, clinic_id, number, rules, created_by,
		created_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.ID, v.ClinicID, v.Number, string(b), v.CreatedBy, v.CreatedAt, v.Reason)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Message: "someone saved a new protocol version meanwhile; reload and make your change again", Err: err}
	}
	return err
}

const protocolColumns = `p.id, p.clinic_id, p.number, p.rules, p.created_by, COALESCE(u.display_name, p.created_by), p.created_at, p.reason`

// ProtocolVersionRow is a stored version with its author's name.
type ProtocolVersionRow struct {
	protocol.Version
	CreatedByName string
}

func scanProtocol(sc interface{ Scan(...any) error }) (ProtocolVersionRow, error) {
	var v ProtocolVersionRow
	var rules string
	if err := sc.Scan(&v.ID, &v.ClinicID, &v.Number, &rules, &v.CreatedBy, &v.CreatedByName, &v.CreatedAt, &v.Reason); err != nil {
		return v, err
	}
	// Stored rules are read as they were saved, without today's validation:
	// a visit must always show the rules it was judged by, even if a later
	// release would judge those rules differently. A setting added since
	// takes its default.
	v.Rules = protocol.Default()
	if err := json.Unmarshal([]byte(rules), &v.Rules); err != nil {
		return v, ketaflow.Internal("decode protocol version", err)
	}
	return v, nil
}

// CurrentProtocol returns a clinic's newest protocol version.
func (tx *Tx) CurrentProtocol(clinicID string) (ProtocolVersionRow, error) {
	row := tx.row(`SELECT `+protocolColumns+` FROM protocol_versions p
		LEFT JOIN users u ON CAST(u.id AS TEXT) = p.created_by
		WHERE p.clinic_id = $1 ORDER BY p.number DESC LIMIT 1`, clinicID)
	v, err := scanProtocol(row)
	if err != nil {
		return v, tx.notFound(err, "protocol", "get current protocol")
	}
	return v, nil
}

// ProtocolVersion returns one version of a clinic's protocol by number.
func (tx *Tx) ProtocolVersion(clinicID string, number int) (ProtocolVersionRow, error) {
	row := tx.row(`SELECT `+protocolColumns+` FROM protocol_versions p
		LEFT JOIN users u ON CAST(u.id AS TEXT) = p.created_by
		WHERE p.clinic_id = $1 AND p.number = $2`, clinicID, number)
	v, err := scanProtocol(row)
	if err != nil {
		return v, tx.notFound(err, "protocol version", "get protocol version")
	}
	return v, nil
}

// ProtocolVersions lists a clinic's protocol versions, newest first.
func (tx *Tx) ProtocolVersions(clinicID string) ([]ProtocolVersionRow, error) {
	rows, err := tx.query("list protocol versions", `SELECT `+protocolColumns+` FROM protocol_versions p
		LEFT JOIN users u ON CAST(u.id AS TEXT) = p.created_by
		WHERE p.clinic_id = $1 ORDER BY p.number DESC`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProtocolVersionRow
	for rows.Next() {
		v, err := scanProtocol(rows)
		if err != nil {
			return nil, tx.db.mapErr("scan protocol version", err)
		}
		out = append(out, v)
	}
	return out, tx.db.mapErr("list protocol versions", rows.Err())
}
