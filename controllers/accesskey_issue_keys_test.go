package controllers

import (
	"slices"
	"testing"
	"time"
)

func TestPlanKeys(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	k := func(id string, age time.Duration) ramKey { return ramKey{id: id, active: true, created: t0.Add(-age)} }
	inactive := func(r ramKey) ramKey { r.active = false; return r }
	cases := []struct {
		name       string
		f          keyFacts
		issue      issueReason
		current    string
		deleted    []string
		deactivate []string
		retire     string
		retiresAt  time.Time
		wake       time.Time
	}{
		{name: "nothing yet: the first key", f: keyFacts{now: t0}, issue: issueFirst},
		{name: "steady, no rotation", f: keyFacts{now: t0, keys: []ramKey{k("A", day)}, secretKeyID: "A"}, current: "A"},
		{name: "steady, rotation due later", f: keyFacts{now: t0, keys: []ramKey{k("A", day)}, secretKeyID: "A", period: 30 * day},
			current: "A", wake: t0.Add(29 * day)},
		{name: "period elapsed: rotate with overlap",
			f:     keyFacts{now: t0, keys: []ramKey{k("A", 30*day)}, secretKeyID: "A", period: 30 * day, overlap: day},
			issue: issueRotation, retire: "A", retiresAt: t0.Add(day), wake: t0.Add(day)},
		{name: "rotate asked, no overlap: the old key goes once the Secret holds the new",
			f:     keyFacts{now: t0, keys: []ramKey{k("A", day)}, secretKeyID: "A", rotateAsked: true},
			issue: issueRequested, retire: "A", retiresAt: t0},
		{name: "overlap goes on", f: keyFacts{now: t0, keys: []ramKey{k("B", time.Hour), k("A", day)}, secretKeyID: "B",
			retiringKeyID: "A", retiresAt: t0.Add(time.Hour)}, current: "B", wake: t0.Add(time.Hour)},
		{name: "overlap ended: deactivated, then deleted", f: keyFacts{now: t0, keys: []ramKey{k("B", time.Hour), k("A", day)}, secretKeyID: "B",
			retiringKeyID: "A", retiresAt: t0}, current: "B", deactivate: []string{"A"}, deleted: []string{"A"}},
		{name: "overlap ended, already inactive: only deleted", f: keyFacts{now: t0, keys: []ramKey{k("B", time.Hour), inactive(k("A", day))}, secretKeyID: "B",
			retiringKeyID: "A", retiresAt: t0}, current: "B", deleted: []string{"A"}},
		{name: "crash after CreateAccessKey: the key nobody holds is deleted", f: keyFacts{now: t0, keys: []ramKey{k("A", day), k("X", 0)}, secretKeyID: "A"},
			current: "A", deleted: []string{"X"}},
		{name: "crash before the first Secret: orphan deleted, first key issued", f: keyFacts{now: t0, keys: []ramKey{k("X", 0)}},
			issue: issueFirst, deleted: []string{"X"}},
		{name: "Secret deleted: a fresh key, the lost one retires after the overlap",
			f:     keyFacts{now: t0, keys: []ramKey{k("A", day)}, lostKeyID: "A", overlap: time.Hour},
			issue: issueRecovery, retire: "A", retiresAt: t0.Add(time.Hour), wake: t0.Add(time.Hour)},
		{name: "Secret deleted during an overlap: the retiring key makes room, the lost one retires",
			f: keyFacts{now: t0, keys: []ramKey{k("B", time.Hour), k("A", day)}, lostKeyID: "B", retiringKeyID: "A",
				retiresAt: t0.Add(time.Hour), overlap: 2 * time.Hour},
			issue: issueRecovery, deleted: []string{"A"}, retire: "B", retiresAt: t0.Add(2 * time.Hour), wake: t0.Add(2 * time.Hour)},
		{name: "key deleted in RAM behind the operator's back: recovered", f: keyFacts{now: t0, secretKeyID: "A"}, issue: issueRecovery},
		{name: "key deactivated behind the operator's back: replaced", f: keyFacts{now: t0, keys: []ramKey{inactive(k("A", day))}, secretKeyID: "A"},
			issue: issueRecovery, retire: "A", retiresAt: t0},
		{name: "rotation during an overlap: the retiring key goes early",
			f: keyFacts{now: t0, keys: []ramKey{k("B", time.Hour), k("A", day)}, secretKeyID: "B", retiringKeyID: "A",
				retiresAt: t0.Add(time.Hour), rotateAsked: true, overlap: time.Hour},
			issue: issueRequested, deleted: []string{"A"}, retire: "B", retiresAt: t0.Add(time.Hour), wake: t0.Add(time.Hour)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := planKeys(tc.f)
			if p.issue != tc.issue || p.current != tc.current || p.retire != tc.retire || !p.retiresAt.Equal(tc.retiresAt) && tc.retire != "" || !p.wake.Equal(tc.wake) {
				t.Errorf("plan = issue %q current %q retire %q until %v wake %v; want issue %q current %q retire %q until %v wake %v",
					p.issue, p.current, p.retire, p.retiresAt, p.wake, tc.issue, tc.current, tc.retire, tc.retiresAt, tc.wake)
			}
			if got := p.deletedIDs(); !slices.Equal(got, tc.deleted) && !(len(got) == 0 && len(tc.deleted) == 0) {
				t.Errorf("deleted %v, want %v", got, tc.deleted)
			}
			if !slices.Equal(p.deactivate, tc.deactivate) {
				t.Errorf("deactivated %v, want %v", p.deactivate, tc.deactivate)
			}
			// Never more than two keys at once: what stays plus the new one.
			stays := len(tc.f.keys) - len(p.delete)
			if p.issue != "" {
				stays++
			}
			if stays > 2 {
				t.Errorf("the plan holds %d keys; RAM allows 2", stays)
			}
		})
	}
}
