-- A person's withholding agreement (委托扣款协议): the bank card the center
-- debits for what the person pays themself (flexible employment, residents).
-- One card a person; signing again replaces it.
CREATE TABLE withholding_cards (
    person_id     INTEGER PRIMARY KEY REFERENCES persons(id),
    bank_name     TEXT NOT NULL,
    bank_account  TEXT NOT NULL,
    signed_on     TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
