-- 医疗补助增记: a unit may file its members' medical subsidy credits only after
-- the fund collection section (基金征缴科) has opened the business for it
-- (the seeds' rule). One row a permitted unit; closing it removes the row.
CREATE TABLE med_subsidy_permits (
    unit_id       INTEGER PRIMARY KEY REFERENCES units(id),
    granted_on    TEXT NOT NULL,
    granted_by    TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
