-- Units: the operator's e-mail (a non-key field the employer client keeps),
-- and the reason of each change in a unit's history (district change,
-- cancellation, a key change's application reason).

ALTER TABLE units ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE unit_changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
