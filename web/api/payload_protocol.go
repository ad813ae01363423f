package api

import (
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
)

// apiProtocolVersion is a protocol version as the API shows it.
type apiProtocolVersion struct {
	Number        int               `json:"number"`
	CreatedAt     string            `json:"created_at"`
	CreatedBy     string            `json:"created_by"`
	CreatedByName string            `json:"created_by_name"`
	Reason        string            `json:"reason"`
	Rules         protocol.Protocol `json:"rules"`
	Changes       []protocol.Change `json:"changes,omitempty"`
}

func toAPIProtocol(v app.ProtocolVersion, changes []protocol.Change) apiProtocolVersion {
	return apiProtocolVersion{Number: v.Number, CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		CreatedBy: v.CreatedBy, CreatedByName: v.CreatedByName, Reason: v.Reason, Rules: v.Rules, Changes: changes}
}

// apiParam describes one protocol setting for programs that build forms.
type apiParam struct {
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
