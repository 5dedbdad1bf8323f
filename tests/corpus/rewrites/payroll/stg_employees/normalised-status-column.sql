-- rewrite: the trimmed, upper-cased status and department code are computed once in the CTE; CASE WHEN … IS NULL for coalesce; date subtraction for date_diff
WITH employees AS (
    SELECT
        *,
        upper(regexp_replace(employment_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS status_code,
        upper(regexp_replace(dept_code, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS dept_key
    FROM raw.hr_employees
),

active_departments AS (
    SELECT * FROM raw.hr_departments WHERE is_active = TRUE
)

SELECT
    employees.employee_id,
    regexp_replace(employees.first_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') || ' '
        || regexp_replace(employees.last_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') AS full_name,
    lower(regexp_replace(employees.work_email, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS work_email,
    CASE WHEN d.dept_code IS NULL THEN 'UNASSIGNED' ELSE d.dept_code END AS department_code,
    d.dept_name AS department_name,
    regexp_replace(regexp_replace(employees.job_title, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'), '\s+', ' ', 'g') AS job_title,
    CASE
        WHEN employees.termination_date IS NOT NULL THEN 'terminated'
        WHEN employees.status_code = 'LEAVE' THEN 'on_leave'
        WHEN employees.status_code = 'A' OR employees.status_code = 'ACTIVE' THEN 'active'
        ELSE 'unknown'
    END AS employment_status,
    employees.hire_date,
    employees.termination_date,
    CAST(employees.termination_date - employees.hire_date AS BIGINT) AS service_days,
    CAST(round(employees.annual_salary, 2) AS DECIMAL(38, 9)) AS annual_salary,
    employees.updated_at
FROM employees
LEFT JOIN active_departments AS d ON employees.dept_key = d.dept_code
