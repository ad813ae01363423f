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
	Code    ketaflow.Code   `json:"code"`
	Message string          `json:"message"`
	Field   string          `json:"field,omitempty"`
	Fields  []apiFieldError `json:"fields,omitempty"`
}

// apiFieldError is one field's problem of a refused request.
type apiFieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func toAPIErrorBody(e *ketaflow.Error) apiErrorBody {
	out := apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, apiFieldError{Field: f.Field, Message: f.Message})
	}
	return out
}

// writeError writes err as a JSON error with its status.
func (h *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	web.LogError(h.log, r, err)
	e := ketaflow.AsError(err)
	body := apiError{Error: toAPIErrorBody(e)}
	if e.Code == ketaflow.EInternal {
		body.Error.Message = "internal error"
	}
	if e.Code == ketaflow.EUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ketaflow"`)
	}
	web.WriteJSON(w, web.Status(err), body)
}
