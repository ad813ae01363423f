package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// Forms kept when a login ended before they were saved (access.Draft). The
// form is sealed with a key that goes to the browser only, as a cookie, and
// the row names the user of the ended login: after that user signs in again
// on that browser, the page shows the form filled in, not saved yet. Nobody
// else gets it back, and nothing is ever posted again by itself.

// KeepDraft keeps a staff form posted with the login cookie loginSecret
// after that login had ended. page is where the form is shown, action where
// it was posted. It returns the value of the browser's draft cookie, and
// the fields left out because they hold secrets; "" when nothing was kept
// (no login to tie the form to, or nothing worth keeping).
func (a *App) KeepDraft(ctx context.Context, loginSecret, page, action string, fields map[string][]string, source string) (string, []string, error) {
	if !strings.HasPrefix(loginSecret, loginPrefix) {
		return "", nil, nil
	}
	var l access.Login
	var u access.User
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, u, err = tx.LoginUser(access.HashToken(loginSecret))
		return err
	})
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	f, dropped, ok := access.KeepForm(action, fields)
	if !ok || !u.Active {
		return "", dropped, nil
	}
	now := a.Clock.Now()
	key := access.NewDraftKey()
	d := access.Draft{ID: ketaflow.NewID(), UserID: u.ID, ClinicID: u.ClinicID, LoginHash: l.TokenHash, Page: page,
		CreatedAt: now, ExpiresAt: now.Add(access.DraftLifetime)}
	if d.Sealed, err = access.SealDraft(key, d.ID, u.ID, f); err != nil {
		return "", nil, ketaflow.Internal("seal draft", err)
	}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		if err := tx.InsertDraft(d); err != nil {
			return err
		}
		return a.appendAudit(tx, u.Actor(source), op{Action: "form.kept", Category: access.CatUnsavedForm, Detail: fmt.Sprintf(
			"a form posted to %s after the login had ended: not saved, kept sealed for %s for the same user to check and save",
			action, access.DraftLifetime)}, audit.OK)
	})
	if err != nil {
		return "", nil, err
	}
	return d.ID + "." + key, dropped, nil
}

// RestoreDraft gives the form kept under the browser's draft cookie back
// to the user who typed it, for the page being shown. It answers nil when
// there is none for this page; keep says whether the cookie still names a
// form (for another of the user's pages). A form kept for another user is
// removed unseen: a different person signing in on the browser never
// gets it.
func (a *App) RestoreDraft(ctx context.Context, actor access.Actor, cookie, page string) (form *access.DraftForm, keep bool, err error) {
	id, key, ok := strings.Cut(cookie, ".")
	if !ok {
		return nil, false, nil
	}
	var d access.Draft
	err = a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		d, err = tx.Draft(id)
		return err
	})
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	now := a.Clock.Now()
	drop := func(action, detail string) error {
		return a.DB.Transact(ctx, func(tx *store.Tx) error {
			if err := tx.DeleteDraft(d.ID); err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
				return err
			}
			if action == "" {
				return nil
			}
			return a.appendAudit(tx, actor, op{Action: access.Action(action), Category: access.CatUnsavedForm, Detail: detail}, audit.OK)
		})
	}
	switch {
	case !now.Before(d.ExpiresAt):
		return nil, false, drop("", "")
	case d.UserID != actor.UserID:
		return nil, false, drop("form.refused", "a form kept after another user's login ended was removed, not shown")
	case d.Page != page:
		return nil, true, nil
	}
	f, err := access.OpenDraft(key, d.ID, d.UserID, d.Sealed)
	if err != nil {
		return nil, false, drop("", "")
	}
	if err := drop("form.restored", "the form posted to "+f.Action+" after the login had ended was shown again, not saved yet"); err != nil {
		return nil, true, err
	}
	return &f, false, nil
}
