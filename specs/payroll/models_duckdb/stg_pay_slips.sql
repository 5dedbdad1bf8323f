-- stg_pay_slips: one row per payslip (pay run and employee), voided lines dropped, amounts
-- defaulted to 0. A line without a status is not trusted: != drops it along with the voided ones.
SELECT
    pay_run_id,
    employee_id,
    'PS-' || lpad(CAST(pay_run_id AS VARCHAR), 6, '0') || '-' || CAST(employee_id AS VARCHAR) AS payslip_number,
    strftime(period_start, '%Y-%m') AS pay_period,
    date_diff('day', period_start, period_end) + 1 AS period_days,
    paid_at,
    CAST(paid_at AS DATE) AS paid_date,
    coalesce(gross_amount, 0) AS gross_amount,
    coalesce(tax_amount, 0) AS tax_amount,
    coalesce(gross_amount, 0) - coalesce(tax_amount, 0) - coalesce(deductions_amount, 0) AS net_amount,
    CASE
        WHEN upper(regexp_replace(run_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'PAID' THEN 'paid'
        WHEN upper(regexp_replace(run_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'PENDING' THEN 'pending'
        ELSE 'other'
    END AS run_status,
    coalesce(regexp_matches(payslip_ref, '^OC-[0-9]+$'), FALSE) AS is_off_cycle
FROM raw.pay_run_lines
WHERE run_status != 'VOIDED'
