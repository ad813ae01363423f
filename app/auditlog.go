package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
)

// AuditQuery selects entries of the audit log: each field set narrows the
// search.
type AuditQuery struct {
	PatientID string
	UserID    string
	Action    string // a prefix, e.g. "patient."
	From, To  time.Time
	Limit     int   // at most 1000; 200 when 0 (AuditLog: AuditPageSize)
	BeforeSeq int64 // for paging back: entries with seq below this
	// Patient is a patient's name or MRN to search for (AuditLog only).
	Patient string
}

// AuditPage is one page of the audit log as the admin reads it: the
// entries newest first, each with the patient it is about by name, and
// where the next (older) page begins.
type AuditPage struct {
	Entries []AuditEntry
	// Patients found by the search's name or MRN (Patient), so the page
	// can say whose entries it shows.
	Patients []patients.Patient
	// NextBeforeSeq is the BeforeSeq of the next page (0: this is the
	// last). Pages are by sequence number, which never changes, so an entry
	// written while someone pages is never shown twice nor skipped.
	NextBeforeSeq int64
}

// AuditEntry is an audit entry with the name and MRN of its patient.
type AuditEntry struct {
	audit.Entry
	PatientName string
	PatientMRN  string
}

// AuditPageSize is how many entries a page of the audit log shows.
const AuditPageSize = 50

// AuditLog reads one page of the audit log: q.Patient searches patients by
// name or MRN (every patient matching all its words), q.PatientID names
// one. Reading it is itself audited.
func (a *App) AuditLog(ctx context.Context, actor access.Actor, q AuditQuery) (AuditPage, error) {
	var page AuditPage
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = AuditPageSize
	}
	detail := fmt.Sprintf("search patient=%s%s user=%s action=%s from=%s to=%s before=%d", q.PatientID, q.Patient, q.UserID, q.Action,
		fmtTime(q.From), fmtTime(q.To), q.BeforeSeq)
	err := a.view(ctx, actor, op{Action: access.AuditRead, Category: access.CatAudit, Detail: detail}, func(tx *store.Tx, o *op) error {
		sq := store.AuditQuery{PatientID: q.PatientID, UserID: q.UserID, Action: q.Action, From: q.From, To: q.To,
			Limit: limit + 1, BeforeSeq: q.BeforeSeq}
		if t := strings.TrimSpace(q.Patient); t != "" {
			ps, err := tx.Patients(actor.ClinicID, store.PatientQuery{Text: t, Limit: 500})
			if err != nil {
				return err
			}
			sq.PatientIDs = []string{}
			for _, p := range ps {
				sq.PatientIDs = append(sq.PatientIDs, p.ID)
				page.Patients = append(page.Patients, listedPatient(p))
			}
		}
		es, err := tx.AuditEntries(actor.ClinicID, sq)
		if err != nil {
			return err
		}
		if len(es) > limit {
			es = es[:limit]
			page.NextBeforeSeq = es[len(es)-1].Seq
		}
		names := map[string]patients.Patient{}
		for _, e := range es {
			ae := AuditEntry{Entry: e}
			if e.PatientID != "" {
				p, ok := names[e.PatientID]
				if !ok {
					p, err = tx.Patient(actor.ClinicID, e.PatientID)
					if err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
						return err
					}
					names[e.PatientID] = p
				}
				ae.PatientName, ae.PatientMRN = p.DisplayName(), p.MRN
			}
			page.Entries = append(page.Entries, ae)
		}
		return nil
	})
	return page, err
}

// SearchAudit lists audit entries of the actor's clinic, newest first.
// Reading the audit log is itself audited.
func (a *App) SearchAudit(ctx context.Context, actor access.Actor, q AuditQuery) ([]audit.Entry, error) {
	var out []audit.Entry
	detail := fmt.Sprintf("search patient=%s user=%s action=%s from=%s to=%s", q.PatientID, q.UserID, q.Action,
		fmtTime(q.From), fmtTime(q.To))
	err := a.view(ctx, actor, op{Action: access.AuditRead, Category: access.CatAudit, Detail: detail}, func(tx *store.Tx, o *op) error {
		var err error
		out, err = tx.AuditEntries(actor.ClinicID, store.AuditQuery{PatientID: q.PatientID, UserID: q.UserID, Action: q.Action,
			From: q.From, To: q.To, Limit: q.Limit, BeforeSeq: q.BeforeSeq})
		return err
	})
	return out, err
}

// AuditReport is the result of checking every chain.
type AuditReport struct {
	Chains   int
	Entries  int64
	Problems []audit.Problem
}

// VerifyAudit recomputes every clinic's hash chain and reports the first
// entry of each chain that was altered, removed or reordered.
func (a *App) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var r AuditReport
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		heads, err := tx.AuditHeads()
		if err != nil {
			return err
		}
		for _, h := range heads {
			v := audit.NewVerifier(h.ClinicID)
			if err := tx.EachAuditEntry(h.ClinicID, v.Next); err != nil {
				return err
			}
			v.Finish(h.Seq, h.Hash)
			r.Chains++
			r.Entries += v.Count()
			if v.Problem != nil {
				r.Problems = append(r.Problems, *v.Problem)
			}
		}
		return nil
	})
	return r, err
}
