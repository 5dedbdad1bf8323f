-- Unit test of stg_timesheets: lines are kept only when their contract exists and the day is
-- inside the contract (both ends included); cost is hours times the contract's rate, to the cent.
CREATE OR REPLACE TEMP TABLE raw.hr_contracts AS (
  SELECT 10 AS employee_id, 1 AS contract_seq, ' ft ' AS contract_type, DATE '2024-01-01' AS start_date,
    DATE '2024-03-31' AS end_date, 20.00 AS hourly_rate
  UNION ALL SELECT 10, 2, 'PT', DATE '2024-04-01', NULL, 25.50
  UNION ALL SELECT 11, 1, 'contractor', DATE '2024-02-01', NULL, 30
);
CREATE OR REPLACE TEMP TABLE raw.time_entries AS (
  SELECT 10 AS employee_id, DATE '2024-01-15' AS work_date, 1 AS entry_no, 1 AS contract_seq,
    TIMESTAMP '2024-01-15 08:00:00' AS clock_in, TIMESTAMP '2024-01-15 16:30:59' AS clock_out,
    8.5 AS hours_worked, ' pr-123 fix payroll' AS project_code, 'approved' AS approval_status
  UNION ALL SELECT 10, DATE '2024-03-31', 1, 1, NULL, NULL, NULL, 'misc', NULL
  UNION ALL SELECT 10, DATE '2024-04-01', 1, 1, NULL, NULL, 7, 'PR-1', 'APPROVED'
  UNION ALL SELECT 10, DATE '2024-04-02', 1, 2, NULL, NULL, 3.333, 'OPS-77', 'Pending'
  UNION ALL SELECT 11, DATE '2024-01-20', 1, 1, NULL, NULL, 4, NULL, 'APPROVED'
  UNION ALL SELECT 11, DATE '2024-02-01', 1, NULL, NULL, NULL, 4, NULL, 'APPROVED'
  UNION ALL SELECT 11, DATE '2024-02-02', 2, 1, NULL, NULL, 2, NULL, ' APPROVED '
  UNION ALL SELECT 12, DATE '2024-02-01', 1, 1, NULL, NULL, 9, NULL, 'APPROVED'
);

ASSERT (SELECT COUNT(*) FROM hr_staging.stg_timesheets) = 4
  AS 'lines without a contract, or outside its dates, are dropped';
ASSERT (SELECT COUNT(*) FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-03-31') = 1
  AS 'the last day of a contract is inside it';
ASSERT (SELECT shift_minutes FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-01-15') = 510
  AS '08:00:00 to 16:30:59 is 510 whole minutes';
ASSERT (SELECT labor_cost FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-01-15') = 170
  AS '8.5 hours at 20.00';
ASSERT (SELECT labor_cost FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-04-02') = 84.99
  AS '3.333 hours at 25.50 is 84.9915, rounded to the cent';
ASSERT (SELECT hours_worked FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-03-31') = 0
  AS 'a line without hours counts 0 hours';
ASSERT (SELECT project_code FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-01-15') = 'PR-123'
  AS 'the project code is extracted and upper-cased';
ASSERT (SELECT project_code FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-03-31') IS NULL
  AS 'free text without a project code gives NULL';
ASSERT (SELECT work_month FROM hr_staging.stg_timesheets WHERE employee_id = 10 AND work_date = DATE '2024-04-02') = DATE '2024-04-01'
  AS 'work_month is the first of the month';

-- contract types and approval
SELECT employee_id, work_date, contract_type, is_approved
FROM hr_staging.stg_timesheets
WHERE NOT ((employee_id = 10 AND work_date = DATE '2024-01-15' AND contract_type = 'full_time' AND is_approved)
        OR (employee_id = 10 AND work_date = DATE '2024-03-31' AND contract_type = 'full_time' AND NOT is_approved)
        OR (employee_id = 10 AND work_date = DATE '2024-04-02' AND contract_type = 'part_time' AND NOT is_approved)
        OR (employee_id = 11 AND work_date = DATE '2024-02-02' AND contract_type = 'other' AND is_approved));
