package api

import (
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
)

// apiProtocolVersion is a protocol version as the API shows it. Its rules
// are the protocol's own document (protocol.Protocol), served as they are:
// the document is the protocol's versioned format, saved with every
// version and read back by programs that compare versions, so it is not
// mapped field by field here; its changes are.
type apiProtocolVersion struct {
	Number        int    `json:"number"`
	CreatedAt     string `json:"created_at" jsonschema:"format=date-time"`
	CreatedBy     string `json:"created_by"`
	CreatedByName string `json:"created_by_name"`
	Reason        string `json:"reason"`
	// Every clinical rule, grouped by step (fasting, gate, dose, session,
	// discharge, integration, security); see /api/v1/protocol/params for each
	// setting's unit, range and source
	Rules   protocol.Protocol   `json:"rules"`
	Changes []apiProtocolChange `json:"changes,omitempty"`
}

// apiProtocolChange is one setting a version changed.
type apiProtocolChange struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
	From  string `json:"from"`
	To    string `json:"to"`
}

func toAPIProtocol(v app.ProtocolVersion, changes []protocol.Change) apiProtocolVersion {
	out := apiProtocolVersion{Number: v.Number, CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		CreatedBy: v.CreatedBy, CreatedByName: v.CreatedByName, Reason: v.Reason, Rules: v.Rules}
	for _, c := range changes {
		out.Changes = append(out.Changes, apiProtocolChange{Key: c.Key, Label: c.Label, Unit: c.Unit, From: c.From, To: c.To})
	}
	return out
}

// apiProtocolVersions is every version, newest first.
type apiProtocolVersions struct {
	Versions []apiProtocolVersion `json:"versions"`
}

// apiProtocolParam describes one protocol setting for programs that build forms.
type apiProtocolParam struct {
	Key    string             `json:"key"`
	Group  string             `json:"group"`
	Label  string             `json:"label"`
	Unit   string             `json:"unit"`
	Source string             `json:"source"`
	Kind   protocol.ParamKind `json:"kind"`
	Min    float64            `json:"min"`
	Max    float64            `json:"max"`
	Value  string             `json:"value"`
}

// apiParams is every setting of the current version.
type apiParams struct {
	Version int                `json:"version"`
	Params  []apiProtocolParam `json:"params"`
}

// apiNewProtocolVersion is the body of POST /api/v1/protocol/versions: the
// settings to change (key -> text), on which version, and why.
type apiNewProtocolVersion struct {
	// The version edited; refused with 412 if another was saved since
	BasedOn int    `json:"based_on" jsonschema:"required"`
	Reason  string `json:"reason" jsonschema:"maxLength=500,minLength=5,required"`
	// Setting key -> new value as text, e.g. {"gate.bp_block_systolic": "150"}
	Values map[string]string `json:"values" jsonschema:"required"`
}
