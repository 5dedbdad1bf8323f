-- defect: avg_net_pay is round(avg(net_amount), 2)
-- kind: premature-rounding
-- fct_employee_pay: one row per employee, pay totals from the payslips and hours from the
-- timesheets, each aggregated on its own and then joined to the employees, so neither multiplies
-- the other (null for an employee with none).
WITH pay AS (
    SELECT
        employee_id,
        count(pay_run_id) AS payslip_count,
        sum(gross_amount) AS total_gross,
        sum(net_amount) AS total_net,
        CAST(round(avg(net_amount), 2) AS DECIMAL(38, 9)) AS avg_net_pay,
        CASE
            WHEN sum(gross_amount) = 0 THEN NULL
            ELSE CAST(sum(tax_amount) / sum(gross_amount) AS DECIMAL(38, 9))
        END AS effective_tax_rate,
        max(paid_at) AS last_paid_at
    FROM hr_staging.stg_pay_slips
    GROUP BY employee_id
),

hours AS (
    SELECT
        employee_id,
        sum(CASE WHEN is_approved THEN hours_worked ELSE 0 END) AS approved_hours,
        CASE
            WHEN count(entry_no) = 0 THEN NULL
            ELSE CAST(count(*) FILTER (WHERE is_approved) AS DOUBLE) / count(entry_no)
        END AS approval_rate
    FROM hr_staging.stg_timesheets
    GROUP BY employee_id
),

employees AS (
    SELECT DISTINCT employee_id
    FROM hr_staging.stg_employees
)

SELECT
    employees.employee_id AS employee_id,
    pay.payslip_count AS payslip_count,
    pay.total_gross AS total_gross,
    pay.total_net AS total_net,
    pay.avg_net_pay AS avg_net_pay,
    pay.effective_tax_rate AS effective_tax_rate,
    pay.last_paid_at AS last_paid_at,
    hours.approved_hours AS approved_hours,
    hours.approval_rate AS approval_rate
FROM employees
LEFT JOIN pay ON employees.employee_id = pay.employee_id
LEFT JOIN hours ON employees.employee_id = hours.employee_id
