-- rewrite: JOIN … USING (employee_id, contract_seq); NOT (a < b) for a >= b; CASE for the approval coalesce; epoch arithmetic for date_sub
SELECT
    employee_id,
    t.work_date,
    t.entry_no,
    contract_seq,
    CASE
        WHEN upper(regexp_replace(c.contract_type, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'FT' THEN 'full_time'
        WHEN upper(regexp_replace(c.contract_type, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'PT' THEN 'part_time'
        WHEN upper(regexp_replace(c.contract_type, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'HOURLY' THEN 'hourly'
        ELSE 'other'
    END AS contract_type,
    c.start_date AS contract_start_date,
    make_date(year(t.work_date), month(t.work_date), 1) AS work_month,
    CAST(trunc((epoch_us(t.clock_out) - epoch_us(t.clock_in)) / 60000000) AS BIGINT) AS shift_minutes,
    CASE WHEN t.hours_worked IS NULL THEN 0 ELSE t.hours_worked END AS hours_worked,
    c.hourly_rate,
    CAST(round(coalesce(t.hours_worked, 0) * c.hourly_rate, 2) AS DECIMAL(38, 9)) AS labor_cost,
    nullif(upper(regexp_extract(t.project_code, '^\s*([A-Za-z]{2,4}-[0-9]+)', 1)), '') AS project_code,
    CASE
        WHEN upper(regexp_replace(t.approval_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'APPROVED' THEN TRUE
        ELSE FALSE
    END AS is_approved
FROM raw.time_entries AS t
JOIN raw.hr_contracts AS c USING (employee_id, contract_seq)
WHERE NOT (t.work_date < c.start_date)
    AND (c.end_date IS NULL OR NOT (t.work_date > c.end_date))
