-- rewrite: <> for !=, date subtraction for date_diff, a simple CASE, ifnull for coalesce, concat_ws-free concatenation through a subquery
SELECT
    lines.pay_run_id,
    lines.employee_id,
    'PS-' || lines.run_no || '-' || CAST(lines.employee_id AS VARCHAR) AS payslip_number,
    strftime(lines.period_start, '%Y-%m') AS pay_period,
    (lines.period_end - lines.period_start) + 1 AS period_days,
    lines.paid_at,
    CAST(lines.paid_at AS DATE) AS paid_date,
    ifnull(lines.gross_amount, 0) AS gross_amount,
    ifnull(lines.tax_amount, 0) AS tax_amount,
    ifnull(lines.gross_amount, 0) - ifnull(lines.tax_amount, 0) - ifnull(lines.deductions_amount, 0) AS net_amount,
    CASE upper(regexp_replace(lines.run_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'))
        WHEN 'PAID' THEN 'paid'
        WHEN 'PENDING' THEN 'pending'
        ELSE 'other'
    END AS run_status,
    ifnull(regexp_full_match(lines.payslip_ref, 'OC-[0-9]+'), FALSE) AS is_off_cycle
FROM (
    SELECT *, lpad(CAST(pay_run_id AS VARCHAR), 6, '0') AS run_no
    FROM raw.pay_run_lines
    WHERE run_status <> 'VOIDED'
) AS lines
