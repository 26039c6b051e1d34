package controllers

import (
	"slices"
	"time"
)

// The keys of an issued AccessKey, decided without I/O: from the keys RAM lists for its user, what the
// Secret holds and the rotation settings, which key is current, which retires, which are deleted and
// whether a new one is issued. RAM allows two keys per user: the current one and at most one retiring.

// ramKey is a key RAM lists for the user.
type ramKey struct {
	id      string
	active  bool
	created time.Time
}

// keyFacts is what planKeys decides from.
type keyFacts struct {
	now  time.Time
	keys []ramKey // ListAccessKeys
	// secretKeyID is the key of an intact Secret this AccessKey owns; "" when the Secret is missing or
	// was edited, so that the pair it held is out of the operator's control.
	secretKeyID string
	// lostKeyID is the key the Secret last held when it is missing or edited (its annotation, or
	// status): it leaked, and goes after the overlap.
	lostKeyID string
	// retiringKeyID and retiresAt are the key the Secret's rotation replaced, and when it goes.
	retiringKeyID string
	retiresAt     time.Time
	period        time.Duration // 0: no periodic rotation
	overlap       time.Duration
	rotateAsked   bool // a new ossoperator.io/rotate value
}

// Why a key is issued.
type issueReason string

const (
	issueFirst     issueReason = "first"     // no key yet
	issueRecovery  issueReason = "recovery"  // the Secret was deleted or edited, or its key is gone
	issueRotation  issueReason = "rotation"  // the period elapsed
	issueRequested issueReason = "requested" // the ossoperator.io/rotate annotation
)

// keyDeletion is a key to delete, and why (the Event says it).
type keyDeletion struct {
	id, why string
}

// keyPlan is what to do with the user's keys, in this order: delete, deactivate, issue.
type keyPlan struct {
	current string // the key that stays current ("" when a new one is issued)
	delete  []keyDeletion
	// deactivate are retiring keys whose overlap ended: deactivated, then deleted (they are in delete
	// too), so that a failure between the two leaves them unusable.
	deactivate []string
	issue      issueReason // "" for none
	// retire is the key the new one replaces; it keeps working until retiresAt, or is deleted once the
	// Secret holds the new key when there is no overlap.
	retire    string
	retiresAt time.Time
	// keepRetiring is a retiring key whose overlap goes on.
	keepRetiring string
	// wake is when something is due next (a rotation, the end of an overlap); zero for nothing.
	wake time.Time
}

func planKeys(f keyFacts) keyPlan {
	var p keyPlan
	byID := map[string]ramKey{}
	for _, k := range f.keys {
		byID[k.id] = k
	}
	has := func(id string) bool { _, ok := byID[id]; return id != "" && ok }
	known := map[string]bool{}

	current, currentOK := byID[f.secretKeyID]
	if f.secretKeyID == "" || !currentOK || !current.active {
		currentOK = false
	}
	if currentOK {
		known[current.id] = true
	}

	retiring := ""
	if has(f.retiringKeyID) && f.retiringKeyID != f.secretKeyID {
		retiring = f.retiringKeyID
		known[retiring] = true
	}
	lost := ""
	if !currentOK && has(f.lostKeyID) && f.lostKeyID != retiring {
		lost = f.lostKeyID
		known[lost] = true
	}
	if !currentOK && has(f.secretKeyID) && f.secretKeyID != retiring && lost == "" {
		lost = f.secretKeyID // in the Secret, but inactive: replaced like a lost one
		known[lost] = true
	}

	// Keys nobody holds: a crash between CreateAccessKey and the Secret's write, or keys added by hand to
	// a user that is the operator's.
	for _, k := range f.keys {
		if !known[k.id] {
			p.delete = append(p.delete, keyDeletion{k.id, "held by no Secret (an issue interrupted before the Secret was written)"})
		}
	}

	switch {
	case !currentOK && lost == "" && retiring == "" && len(f.keys) == len(p.delete):
		if f.secretKeyID == "" && f.lostKeyID == "" {
			p.issue = issueFirst
		} else {
			p.issue = issueRecovery
		}
	case !currentOK:
		p.issue = issueRecovery
	case f.rotateAsked:
		p.issue = issueRequested
	case f.period > 0 && !f.now.Before(current.created.Add(f.period)):
		p.issue = issueRotation
	}

	// The retiring key's overlap.
	if retiring != "" {
		switch {
		case !f.now.Before(f.retiresAt):
			if byID[retiring].active {
				p.deactivate = append(p.deactivate, retiring)
			}
			p.delete = append(p.delete, keyDeletion{retiring, "its overlap ended"})
			retiring = ""
		case p.issue != "" && (currentOK || lost != ""):
			// Two keys are already held (retiring and current or lost): the older goes early to make
			// room for the new one.
			p.delete = append(p.delete, keyDeletion{retiring, "replaced before its overlap ended: RAM holds two keys per user"})
			retiring = ""
		default:
			p.keepRetiring = retiring
			p.wake = f.retiresAt
		}
	}

	if p.issue == "" {
		p.current = current.id
		if f.period > 0 {
			p.wake = earliest(p.wake, current.created.Add(f.period))
		}
		return p
	}
	// The replaced key retires: the current one on rotation, the lost one on recovery.
	replaced := current.id
	if !currentOK {
		replaced = lost
	}
	if replaced != "" {
		p.retire = replaced
		p.retiresAt = f.now.Add(f.overlap)
		if f.overlap > 0 {
			p.wake = earliest(p.wake, p.retiresAt)
		}
	}
	if f.period > 0 {
		p.wake = earliest(p.wake, f.now.Add(f.period))
	}
	return p
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// deletedIDs lists the IDs the plan deletes.
func (p keyPlan) deletedIDs() []string {
	ids := make([]string, 0, len(p.delete))
	for _, d := range p.delete {
		ids = append(ids, d.id)
	}
	return slices.Sorted(slices.Values(ids))
}
