-- rewrite: the hours aggregate is joined before the pay aggregate, both with USING (employee_id); sum(…)/count(…) for avg; sum(CASE …) for count FILTER
WITH hours AS (
    SELECT
        employee_id,
        sum(CASE WHEN is_approved THEN hours_worked ELSE 0 END) AS approved_hours,
        CASE
            WHEN count(entry_no) > 0
                THEN CAST(sum(CASE WHEN is_approved THEN 1 ELSE 0 END) AS DOUBLE) / count(entry_no)
        END AS approval_rate
    FROM hr_staging.stg_timesheets
    GROUP BY employee_id
),

pay AS (
    SELECT
        employee_id,
        count(pay_run_id) AS payslip_count,
        sum(gross_amount) AS total_gross,
        sum(net_amount) AS total_net,
        CAST(sum(net_amount) / count(net_amount) AS DECIMAL(38, 9)) AS avg_net_pay,
        CAST(sum(tax_amount) / nullif(sum(gross_amount), 0) AS DECIMAL(38, 9)) AS effective_tax_rate,
        max(paid_at) AS last_paid_at
    FROM hr_staging.stg_pay_slips
    GROUP BY employee_id
)

SELECT
    employee_id,
    payslip_count,
    total_gross,
    total_net,
    avg_net_pay,
    effective_tax_rate,
    last_paid_at,
    approved_hours,
    approval_rate
FROM (SELECT DISTINCT employee_id FROM hr_staging.stg_employees) AS employees
LEFT JOIN hours USING (employee_id)
LEFT JOIN pay USING (employee_id)
