-- rewrite: approved hours are aggregated per employee first, then per department over one row per employee (headcount is count(*), entry_count a sum of counts)
WITH per_employee AS (
    SELECT
        employee_id,
        count(entry_no) AS entries,
        sum(hours_worked) AS hours,
        sum(labor_cost) AS cost,
        max(work_date) AS last_day
    FROM hr_staging.stg_timesheets
    WHERE is_approved
    GROUP BY employee_id
)

SELECT
    e.department_code,
    count(*) AS headcount,
    CAST(coalesce(sum(p.entries), 0) AS BIGINT) AS entry_count,
    sum(p.hours) AS total_hours,
    sum(p.cost) AS total_labor_cost,
    CAST(sum(p.hours) / count(*) AS DECIMAL(38, 9)) AS avg_hours_per_head,
    max(p.last_day) AS last_work_date
FROM hr_staging.stg_employees AS e
LEFT JOIN per_employee AS p ON p.employee_id = e.employee_id
WHERE e.employment_status <> 'terminated'
GROUP BY e.department_code
