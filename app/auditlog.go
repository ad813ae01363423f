package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
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
		if err != nil {
			return err
		}
		// Entries from before clinical values were kept out of the log are
		// not rewritten (the chain must verify): their clinical details
		// are withheld here, on read.
		legacy, err := tx.AuditLegacyLast(actor.ClinicID)
		if err != nil {
			return err
		}
		for i, e := range out {
			if e.Seq <= legacy && !auditDetailShown(actor.Role, e.Category) {
				out[i].Detail = legacyAuditWithheld
			}
		}
		return nil
	})
	return out, err
}

// AuditReport is the result of checking every chain.
type AuditReport struct {
	Chains      int
	Entries     int64
	Legacy      int64 // entries written before the audit key, checked by their plain hash chain
	Checkpoints int   // signed checkpoints compared with the chains
	Problems    []audit.Problem
}

// VerifyAudit recomputes the hash chain of every clinic found in the log
// (or with a recorded head), keyed entries with the app's audit key, and
// compares each chain with its signed checkpoints: those recorded in the
// database and the ones given (exported off the machine earlier). It
// reports the first entry of each chain that was altered, removed or
// reordered, and a tail cut off with its head rewound.
func (a *App) VerifyAudit(ctx context.Context, exported ...audit.Checkpoint) (AuditReport, error) {
	var r AuditReport
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		clinics, err := tx.AuditClinics()
		if err != nil {
			return err
		}
		stored, err := tx.AuditCheckpoints()
		if err != nil {
			return err
		}
		byClinic := map[string][]audit.Checkpoint{}
		for _, c := range append(stored, exported...) {
			if a.auditKey == nil {
				continue // nothing to check a signature with: the chains alone are checked
			}
			if c.KeyID != a.auditKey.ID || !c.CheckSignature(a.auditKey.Public()) {
				r.Problems = append(r.Problems, audit.Problem{ClinicID: c.ClinicID, Seq: c.Seq,
					Reason: fmt.Sprintf("the checkpoint signed at %s does not verify with the audit key %s (forged or altered)",
						c.At.UTC().Format(time.RFC3339), a.auditKey.ID)})
				continue
			}
			if !slices.Contains(clinics, c.ClinicID) {
				clinics = append(clinics, c.ClinicID) // a chain removed whole
			}
			byClinic[c.ClinicID] = append(byClinic[c.ClinicID], c)
			r.Checkpoints++
		}
		for _, id := range clinics {
			v := audit.NewVerifier(id, a.auditKey, byClinic[id]...)
			if err := tx.EachAuditEntry(id, v.Next); err != nil {
				return err
			}
			h, err := tx.AuditHead(id)
			switch {
			case ketaflow.IsCode(err, ketaflow.ENotFound):
				if v.Problem == nil {
					v.Problem = &audit.Problem{ClinicID: id, Seq: v.Count() + 1,
						Reason: fmt.Sprintf("the log holds %d entries but no chain head is recorded (the head was removed)", v.Count())}
				}
			case err != nil:
				return err
			default:
				v.Finish(h.Seq, h.Hash)
			}
			r.Chains++
			r.Entries += v.Count()
			r.Legacy += v.Legacy()
			if v.Problem != nil {
				r.Problems = append(r.Problems, *v.Problem)
			}
		}
		return nil
	})
	return r, err
}

// CheckpointAudit signs the head of every chain that moved since its last
// checkpoint, with the app's audit key, and returns how many it signed.
// serve calls it at start and every hour; without a key it does nothing.
func (a *App) CheckpointAudit(ctx context.Context) (int, error) {
	if a.auditKey == nil {
		return 0, nil
	}
	n := 0
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		heads, err := tx.AuditHeads()
		if err != nil {
			return err
		}
		cps, err := tx.AuditCheckpoints()
		if err != nil {
			return err
		}
		last := map[string]int64{}
		for _, c := range cps {
			last[c.ClinicID] = max(last[c.ClinicID], c.Seq)
		}
		now := a.Clock.Now()
		for _, h := range heads {
			if h.Seq == 0 || last[h.ClinicID] >= h.Seq {
				continue
			}
			if err := tx.InsertAuditCheckpoint(a.auditKey.SignCheckpoint(h.ClinicID, h.Seq, h.Hash, now)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// AuditCheckpoints lists every signed checkpoint, for export off the
// machine (ketaflow audit checkpoints --out).
func (a *App) AuditCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var out []audit.Checkpoint
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.AuditCheckpoints()
		return err
	})
	return out, err
}

// AuditKeyID names the app's audit key; "" when it has none.
func (a *App) AuditKeyID() string {
	if a.auditKey == nil {
		return ""
	}
	return a.auditKey.ID
}

// AuditPublicKey is the base64 Ed25519 key that checks the checkpoints'
// signatures; "" without a key.
func (a *App) AuditPublicKey() string {
	if a.auditKey == nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(a.auditKey.Public())
}
