package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/web"
)

// apiError is the JSON body of every API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    ketaflow.Code         `json:"code"`
	Message string                `json:"message"`
	Field   string                `json:"field,omitempty"`
	Fields  []ketaflow.FieldError `json:"fields,omitempty"`
}

// writeError writes err as a JSON error with its status.
func (h *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	web.LogError(h.log, r, err)
	e := ketaflow.AsError(err)
	body := apiError{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field, Fields: e.Fields}}
	if e.Code == ketaflow.EInternal {
		body.Error.Message = "internal error"
	}
	if e.Code == ketaflow.EUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ketaflow"`)
	}
	web.WriteJSON(w, web.Status(err), body)
}
