package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/web"
)

// paramView is one protocol setting on the admin form or a version page.
type paramView struct {
	Key, Label, Unit, Source, Value, Error string
	Kind                                   protocol.ParamKind
	Min, Max                               float64
	Changed                                bool
}

type groupView struct {
	Name   string
	Params []paramView
}

type protocolData struct {
	Current  app.ProtocolVersion
	Groups   []groupView
	Versions []app.ProtocolVersion
	Reason   string
	CanEdit  bool
}

// protocolGroups lays out the parameter table by step, with each value taken
// from the posted form when there is one, else from the rules.
func protocolGroups(rules protocol.Protocol, form url.Values, errs map[string]string, changed map[string]bool) []groupView {
	byGroup := map[string][]paramView{}
	for _, prm := range protocol.Params() {
		v := prm.Get(&rules)
		if form != nil {
			if vals := form[prm.Key]; len(vals) > 0 {
				v = vals[len(vals)-1]
			}
		}
		byGroup[prm.Group] = append(byGroup[prm.Group], paramView{Key: prm.Key, Label: prm.Label, Unit: prm.Unit,
			Source: prm.Source, Value: v, Error: errs[prm.Key], Kind: prm.Kind, Min: prm.Min, Max: prm.Max, Changed: changed[prm.Key]})
	}
	var out []groupView
	for _, g := range protocol.Groups() {
		out = append(out, groupView{Name: g, Params: byGroup[g]})
	}
	return out
}

func (h *UI) protocolPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderProtocol(w, r, actor, http.StatusOK, nil, nil, "")
}

func (h *UI) renderProtocol(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values, reason string) error {
	cur, err := h.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	versions, err := h.app.ProtocolVersions(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Clinic protocol", "protocol")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = protocolData{Current: cur, Groups: protocolGroups(cur.Rules, form, v.Errors, nil), Versions: versions,
		Reason: reason, CanEdit: access.Can(actor.Role, access.ProtocolEdit)}
	return h.render(w, status, "protocol", v)
}

func (h *UI) saveProtocolSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	values := map[string]string{}
	for _, prm := range protocol.Params() {
		if vals := r.PostForm[prm.Key]; len(vals) > 0 {
			values[prm.Key] = vals[len(vals)-1] // a checkbox posts after its hidden "no"
		}
	}
	basedOn, _ := strconv.Atoi(r.PostForm.Get("based_on"))
	reason := r.PostForm.Get("reason")
	saved, _, err := h.app.SaveProtocol(r.Context(), actor, basedOn, values, reason)
	if err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		form := r.PostForm
		if ketaflow.IsCode(err, ketaflow.EPrecondition) {
			form = nil // show the newer version; the message says what happened
		}
		return h.renderProtocol(w, r, actor, web.Status(err), err, form, reason)
	}
	return redirect(w, r, "/admin/protocol/versions/"+strconv.Itoa(saved.Number)+"?done=protocol")
}

type protocolVersionData struct {
	Version  app.ProtocolVersion
	Previous *app.ProtocolVersion
	Changes  []protocol.Change
	Groups   []groupView
}

func (h *UI) protocolVersionPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return ketaflow.NotFound("protocol version")
	}
	ver, err := h.app.ProtocolVersionByNumber(r.Context(), actor, n)
	if err != nil {
		return err
	}
	d := protocolVersionData{Version: ver}
	changed := map[string]bool{}
	if n > 1 {
		prev, err := h.app.ProtocolVersionByNumber(r.Context(), actor, n-1)
		if err != nil {
			return err
		}
		d.Previous = &prev
		d.Changes = protocol.Diff(prev.Rules, ver.Rules)
		for _, c := range d.Changes {
			changed[c.Key] = true
		}
	}
	d.Groups = protocolGroups(ver.Rules, nil, nil, changed)
	v := h.newView(r, actor, "Protocol version "+strconv.Itoa(n), "protocol")
	v.Data = d
	return h.render(w, http.StatusOK, "protocol_version", v)
}
