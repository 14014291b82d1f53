/**
 * The reference agency's outpatient tables (outpatient.ts): visits (2201, with the 2203 就诊信息)
 * and their fee lines per 收费批次 (2204). Settlements (2207) are rows of `settlements` with
 * clr_type 11. Kept apart from `admissions`: a visit is not a stay (no 在院 state, no ipt_no).
 * chronic_registrations: the insured region's 门诊慢特病 registrations (5301, seeded by tests).
 * The visit tables are in the undo log, so 2601 takes any outpatient transaction back.
 */
export const OUTPATIENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS otp_visits (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  insuplc_admdvs TEXT NOT NULL,
  insutype TEXT NOT NULL,
  ipt_otp_no TEXT NOT NULL,
  begntime TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('registered','cancelled')),
  registration TEXT NOT NULL,
  mdtrtinfo TEXT,
  diseinfo TEXT,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS otp_fees (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL,
  chrg_bchno TEXT NOT NULL,
  feedetl_sn TEXT NOT NULL,
  det_item_fee_sumamt TEXT NOT NULL,
  line TEXT NOT NULL,
  msgid TEXT NOT NULL,
  UNIQUE (mdtrt_id, feedetl_sn)
);
CREATE TABLE IF NOT EXISTS chronic_registrations (
  id INTEGER PRIMARY KEY,
  psn_no TEXT NOT NULL,
  opsp_dise_code TEXT NOT NULL,
  opsp_dise_name TEXT NOT NULL,
  begndate TEXT NOT NULL,
  enddate TEXT,
  lmt_amt TEXT,
  sin_lmt_amt TEXT
);
`;
