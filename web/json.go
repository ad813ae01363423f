package web

import (
	"encoding/json"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/runsheet"
	"net/http"
)

// WriteJSON answers with v as indented JSON, never cached: the health
// check here and every answer of the API.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// WritePDF answers with a printed document, shown in the browser as
// filename, never cached: it carries patient data.
func WritePDF(w http.ResponseWriter, filename string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
}

// WriteDowntimeSheet answers with the floor's downtime run sheet, for the
// board page and the API alike.
func WriteDowntimeSheet(w http.ResponseWriter, r *http.Request, a *app.App, actor access.Actor) error {
	s, err := a.DowntimeSheet(r.Context(), actor)
	if err != nil {
		return err
	}
	pdf, err := runsheet.RenderPDF(s)
	if err != nil {
		return err
	}
	WritePDF(w, "downtime-"+s.At.Format("2006-01-02-1504")+".pdf", pdf)
	return nil
}
