-- Bank collection (托收): what part of a line is the late fee, and the
-- lookups the collection run and the reply import make by bill and by unit.
-- A line's amount_fen is what the bank debits: the bill's amount plus
-- late_fee_fen (the late fee of a bill collected after its due date, fixed on
-- the day the file is made). Bank clearing reconciles with the paid lines'
-- amount_fen (ledger_verify), late fees included.
ALTER TABLE collection_lines ADD COLUMN late_fee_fen INTEGER NOT NULL DEFAULT 0;
CREATE INDEX collection_lines_bill ON collection_lines(bill_id, result);
CREATE INDEX collection_files_bank_month ON collection_files(bank, month);
CREATE INDEX arrears_unit ON arrears(unit_id, settled_on);
CREATE INDEX bills_due ON bills(due_on, status);
