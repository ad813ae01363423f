package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// AuditQuery selects entries of the audit log: each field set narrows the
// search.
type AuditQuery struct {
	PatientID string
	UserID    string
	Action    string // a prefix, e.g. "patient."
	From, To  time.Time
	Limit     int   // at most 1000; 200 when 0
	BeforeSeq int64 // for paging back: entries with seq below this
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
