-- defect: job_title collapses whitespace with regexp_replace without the 'g' flag: only the first run is collapsed
-- kind: regexp-first-match
-- stg_employees: one row per employee, standardised, with the active department matched on the
-- normalised code. Inactive departments are dropped before the LEFT JOIN: an employee of a
-- closed department is kept, as UNASSIGNED.
-- BigQuery's TRIM strips all whitespace (DuckDB's trim strips spaces only), hence the regexp.
WITH employees AS (
    SELECT
        employee_id, first_name, last_name, work_email, dept_code, job_title, employment_status,
        hire_date, termination_date, annual_salary, updated_at
    FROM raw.hr_employees
),

departments AS (
    SELECT dept_code, dept_name
    FROM raw.hr_departments
    WHERE is_active
)

SELECT
    employees.employee_id AS employee_id,
    regexp_replace(employees.first_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') || ' '
        || regexp_replace(employees.last_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') AS full_name,
    lower(regexp_replace(employees.work_email, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS work_email,
    coalesce(departments.dept_code, 'UNASSIGNED') AS department_code,
    departments.dept_name AS department_name,
    regexp_replace(regexp_replace(employees.job_title, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'), '\s+', ' ') AS job_title,
    CASE
        WHEN employees.termination_date IS NOT NULL THEN 'terminated'
        WHEN upper(regexp_replace(employees.employment_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'LEAVE' THEN 'on_leave'
        WHEN upper(regexp_replace(employees.employment_status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) IN ('A', 'ACTIVE') THEN 'active'
        ELSE 'unknown'
    END AS employment_status,
    employees.hire_date AS hire_date,
    employees.termination_date AS termination_date,
    date_diff('day', employees.hire_date, employees.termination_date) AS service_days,
    CAST(round(employees.annual_salary, 2) AS DECIMAL(38, 9)) AS annual_salary,
    employees.updated_at AS updated_at
FROM employees
LEFT JOIN departments
    ON upper(regexp_replace(employees.dept_code, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = departments.dept_code
