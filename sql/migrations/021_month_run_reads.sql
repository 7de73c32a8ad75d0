-- What a chunk of the month run reads for its units, from indexes alone.
--
-- The declared wages by unit: the wage joins the index, so reading a chunk's
-- wages visits no table row (one look-up per person before). It serves every
-- look-up the narrower index served.
CREATE INDEX contribution_bases_unit_wage ON contribution_bases(unit_id, policy_year, person_id, from_month,
    declared_wage_fen);
DROP INDEX contribution_bases_unit;

-- The housing fund rate of foreign and HK/Macao/Taiwan employees' own
-- employment: a chunk reads those few rows by unit instead of looking up
-- every housing fund span's employment.
CREATE INDEX employments_unit_hf ON employments(unit_id, id, hf_rate_bp) WHERE kind IN ('foreign', 'hmt');
