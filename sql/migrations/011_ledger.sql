-- The ledger: a reversal is unique per entry (a second reversal of the same
-- entry is refused even when two transactions race), and the interest runs
-- walk the persons holding one kind of account in id order.
CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries(reverses_entry_id)
    WHERE reverses_entry_id IS NOT NULL;
CREATE INDEX ledger_accounts_kind_owner ON ledger_accounts(owner_kind, kind, owner_id);
