-- defect: avg_hours_per_head is avg(hours_worked), the average per timesheet line, instead of the sum over the distinct employees
-- kind: avg-for-safe-divide
-- agg_department_hours: approved hours and their cost per department, over employees not
-- terminated. Unapproved lines are dropped before the LEFT JOIN, so an employee without approved
-- hours still counts in the headcount; terminated employees are dropped after it.
WITH approved_hours AS (
    SELECT employee_id, entry_no, work_date, hours_worked, labor_cost
    FROM hr_staging.stg_timesheets
    WHERE is_approved
)

SELECT
    employees.department_code AS department_code,
    count(DISTINCT employees.employee_id) AS headcount,
    count(approved_hours.entry_no) AS entry_count,
    sum(approved_hours.hours_worked) AS total_hours,
    sum(approved_hours.labor_cost) AS total_labor_cost,
    CAST(avg(approved_hours.hours_worked) AS DECIMAL(38, 9)) AS avg_hours_per_head,
    max(approved_hours.work_date) AS last_work_date
FROM hr_staging.stg_employees AS employees
LEFT JOIN approved_hours ON employees.employee_id = approved_hours.employee_id
WHERE employees.employment_status <> 'terminated'
GROUP BY employees.department_code
