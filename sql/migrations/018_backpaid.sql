-- The monthly assessment of a past month leaves out the months a unit has
-- back-paid already (补缴): it looks them up by unit and month among the
-- back-paid lines only, which this small partial index holds.
CREATE INDEX assessments_backpaid ON assessments(unit_id, month, span_id) WHERE kind = 'backpay';
