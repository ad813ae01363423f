package courses

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/protocol"
)

func TestBookingConflicts(t *testing.T) {
	t.Parallel()
	// Chair 1 holds patient P from 10:00 to 11:40 (IV chair time 100 min).
	held := Booking{VisitID: "held", PatientID: "P", ChairID: "chair1", Start: at("2026-12-01 10:00"), End: at("2026-12-01 11:40")}
	for _, tc := range []struct {
		name string
		b    Booking
		want []ConflictKind
	}{
		// One chair holds one patient for the route's chair time.
		{"chair_taken_overlapping_start", Booking{VisitID: "new", PatientID: "Q", ChairID: "chair1", Start: at("2026-12-01 11:00"), End: at("2026-12-01 12:40")}, []ConflictKind{ChairTaken}},
		{"chair_taken_inside", Booking{VisitID: "new", PatientID: "Q", ChairID: "chair1", Start: at("2026-12-01 10:15"), End: at("2026-12-01 11:00")}, []ConflictKind{ChairTaken}},
		{"chair_free_from_the_end_of_the_chair_time", Booking{VisitID: "new", PatientID: "Q", ChairID: "chair1", Start: at("2026-12-01 11:40"), End: at("2026-12-01 13:20")}, nil},
		{"chair_free_before_it_starts", Booking{VisitID: "new", PatientID: "Q", ChairID: "chair1", Start: at("2026-12-01 08:20"), End: at("2026-12-01 10:00")}, nil},
		{"another_chair_is_free", Booking{VisitID: "new", PatientID: "Q", ChairID: "chair2", Start: at("2026-12-01 10:00"), End: at("2026-12-01 11:40")}, nil},
		// A patient is in one chair at a time.
		{"patient_booked_on_another_chair", Booking{VisitID: "new", PatientID: "P", ChairID: "chair2", Start: at("2026-12-01 11:00"), End: at("2026-12-01 12:40")}, []ConflictKind{PatientBooked}},
		{"patient_booked_without_a_chair", Booking{VisitID: "new", PatientID: "P", Start: at("2026-12-01 09:00"), End: at("2026-12-01 10:40")}, []ConflictKind{PatientBooked}},
		{"patient_and_chair_both", Booking{VisitID: "new", PatientID: "P", ChairID: "chair1", Start: at("2026-12-01 10:00"), End: at("2026-12-01 11:40")}, []ConflictKind{ChairTaken, PatientBooked}},
		{"patient_free_after_the_visit", Booking{VisitID: "new", PatientID: "P", ChairID: "chair2", Start: at("2026-12-01 11:40"), End: at("2026-12-01 13:20")}, nil},
		// Moving a visit never conflicts with where it was.
		{"a_move_does_not_conflict_with_itself", Booking{VisitID: "held", PatientID: "P", ChairID: "chair1", Start: at("2026-12-01 10:30"), End: at("2026-12-01 12:10")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []ConflictKind
			for _, c := range Conflicts(tc.b, []Booking{held}) {
				got = append(got, c.Kind)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("conflicts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFreeSlots(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Course.BookFromHour, p.Course.BookUntilHour = 9, 13
	day := date("2026-12-01")
	existing := []Booking{
		{VisitID: "a", PatientID: "P", ChairID: "chair1", Start: at("2026-12-01 09:00"), End: at("2026-12-01 10:40")},
		{VisitID: "b", PatientID: "R", ChairID: "chair2", Start: at("2026-12-01 09:00"), End: at("2026-12-01 12:00")},
	}
	slots := FreeSlots(day, zone, "Q", []string{"chair1", "chair2"}, 100, existing, p, at("2026-12-01 08:00"))
	var got []string
	for _, s := range slots {
		got = append(got, s.Start.In(zone).Format("15:04")+" "+s.ChairID)
	}
	// Both chairs are busy until 10:40; the last start that ends by 13:00 is 11:20.
	want := []string{"10:45 chair1", "11:00 chair1", "11:15 chair1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("free slots mismatch (-want +got):\n%s", diff)
	}
	// The patient P is in chair 1 until 10:40: no slot for P before then
	// on any chair, even where a chair is free.
	p.Course.BookUntilHour = 18
	forP := FreeSlots(day, zone, "P", []string{"chair2", "chair3"}, 100, existing, p, at("2026-12-01 08:00"))
	if len(forP) == 0 || forP[0].Start.In(zone).Format("15:04") != "10:45" || forP[0].ChairID != "chair3" {
		t.Errorf("first slot for P = %+v, want 10:45 on chair3", forP[:min(1, len(forP))])
	}
	// Nothing in the past.
	late := FreeSlots(day, zone, "Q", []string{"chair3"}, 100, nil, p, at("2026-12-01 15:50"))
	if len(late) == 0 || late[0].Start.In(zone).Format("15:04") != "16:00" {
		t.Errorf("first slot after 15:50 = %+v, want 16:00", late[:min(1, len(late))])
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	var slots []Slot
	for _, s := range []string{"09:00", "10:00", "11:00", "12:00", "15:00"} {
		slots = append(slots, Slot{Start: at("2026-12-01 " + s), ChairID: "c"})
	}
	var got []string
	for _, s := range Nearest(slots, at("2026-12-01 10:40"), 3) {
		got = append(got, s.Start.In(zone).Format("15:04"))
	}
	if diff := cmp.Diff([]string{"10:00", "11:00", "12:00"}, got); diff != "" {
		t.Errorf("nearest mismatch (-want +got):\n%s", diff)
	}
}
