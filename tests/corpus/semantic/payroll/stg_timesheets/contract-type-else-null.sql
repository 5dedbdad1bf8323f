-- defect: the contract_type CASE has no ELSE 'other'
-- kind: missing-else
-- stg_timesheets: timesheet lines booked on a known contract and dated inside it, with their
-- cost. A line whose contract is unknown is dropped by the INNER JOIN; a line dated outside its
-- contract is dropped after it.
-- date_sub counts whole minutes like BigQuery's TIMESTAMP_DIFF (date_diff counts boundaries);
-- regexp_extract gives '' on no match where BigQuery's REGEXP_EXTRACT gives NULL.
WITH entries AS (
    SELECT
        employee_id, work_date, entry_no, contract_seq, clock_in, clock_out, hours_worked,
        project_code, approval_status
    FROM raw.time_entries
),

contracts AS (
    SELECT employee_id, contract_seq, contract_type, start_date, end_date, hourly_rate
    FROM raw.hr_contracts
)

SELECT
    entries.employee_id AS employee_id,
    entries.work_date AS work_date,
    entries.entry_no AS entry_no,
    entries.contract_seq AS contract_seq,
    CASE upper(regexp_replace(contracts.contract_type, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'))
        WHEN 'FT' THEN 'full_time'
        WHEN 'PT' THEN 'part_time'
        WHEN 'HOURLY' THEN 'hourly'
    END AS contract_type,
    contracts.start_date AS contract_start_date,
    CAST(date_trunc('month', entries.work_date) AS DATE) AS work_month,
    date_sub('minute', entries.clock_in, entries.clock_out) AS shift_minutes,
    coalesce(entries.hours_worked, 0) AS hours_worked,
    contracts.hourly_rate AS hourly_rate,
    CAST(round(coalesce(entries.hours_worked, 0) * contracts.hourly_rate, 2) AS DECIMAL(38, 9)) AS labor_cost,
    CASE
        WHEN regexp_matches(entries.project_code, '^\s*([A-Za-z]{2,4}-[0-9]+)')
            THEN upper(regexp_extract(entries.project_code, '^\s*([A-Za-z]{2,4}-[0-9]+)', 1))
    END AS project_code,
    coalesce(upper(regexp_replace(entries.approval_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'APPROVED', FALSE) AS is_approved
FROM entries
INNER JOIN contracts
    ON entries.employee_id = contracts.employee_id
    AND entries.contract_seq = contracts.contract_seq
WHERE entries.work_date >= contracts.start_date
    AND (contracts.end_date IS NULL OR entries.work_date <= contracts.end_date)
