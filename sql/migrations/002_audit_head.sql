-- The newest row of the audit chain (svc/audit.c). Each append advances it in
-- the same transaction as the row, so removing the last rows of audit_log is
-- detected: the chain would end before the head.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head(id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
