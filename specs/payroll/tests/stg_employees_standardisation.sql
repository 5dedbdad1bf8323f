-- Unit test of stg_employees on four hand-written employees: names and emails are trimmed, the
-- department code is matched after UPPER(TRIM()) and only to an active department, a termination
-- date wins over the status code, service days run from hire to termination.
CREATE OR REPLACE TEMP TABLE raw.hr_departments AS (
  SELECT 'FIN' AS dept_code, 'Finance' AS dept_name, TRUE AS is_active
  UNION ALL SELECT 'OPS', 'Operations', TRUE
  UNION ALL SELECT 'HR', 'People', FALSE
);
CREATE OR REPLACE TEMP TABLE raw.hr_employees AS (
  SELECT 1 AS employee_id, ' Ana ' AS first_name, 'Silva' AS last_name, ' Ana.Silva@Corp.COM ' AS work_email,
    ' fin ' AS dept_code, 'Senior   Payroll  Analyst' AS job_title, 'A' AS employment_status,
    DATE '2020-01-15' AS hire_date, NULL AS termination_date, 65000.005 AS annual_salary
  UNION ALL SELECT 2, 'Bo', NULL, NULL, 'OPS', NULL, 'leave', DATE '2019-03-01', DATE '2024-02-29', 48000
  UNION ALL SELECT 3, 'Cy', 'Ng', 'cy@corp.com', 'hr', 'Recruiter', ' LEAVE ', DATE '2021-06-01', NULL, 51000
  UNION ALL SELECT 4, 'Di', 'Re', 'di@corp.com', 'XX', 'Driver', 'retired', DATE '2022-09-12', NULL, 39000
);

ASSERT (SELECT COUNT(*) FROM hr_staging.stg_employees) = 4 AS 'one row per employee';
ASSERT (SELECT full_name FROM hr_staging.stg_employees WHERE employee_id = 1) = 'Ana Silva'
  AS 'first and last name are trimmed and joined with one space';
ASSERT (SELECT full_name FROM hr_staging.stg_employees WHERE employee_id = 2) IS NULL
  AS 'a missing last name makes the full name NULL';
ASSERT (SELECT work_email FROM hr_staging.stg_employees WHERE employee_id = 1) = 'ana.silva@corp.com'
  AS 'emails are trimmed and lower-cased';
ASSERT (SELECT department_code || '/' || department_name FROM hr_staging.stg_employees WHERE employee_id = 1) = 'FIN/Finance'
  AS 'a padded lower-case code matches its active department';
ASSERT (SELECT department_code FROM hr_staging.stg_employees WHERE employee_id = 3) = 'UNASSIGNED'
  AS 'an employee of an inactive department is UNASSIGNED';
ASSERT (SELECT department_name FROM hr_staging.stg_employees WHERE employee_id = 3) IS NULL
  AS 'and has no department name';
ASSERT (SELECT department_code FROM hr_staging.stg_employees WHERE employee_id = 4) = 'UNASSIGNED'
  AS 'an unknown department code is UNASSIGNED';
ASSERT (SELECT job_title FROM hr_staging.stg_employees WHERE employee_id = 1) = 'Senior Payroll Analyst'
  AS 'runs of spaces in a job title collapse to one';

-- statuses: A is active, a termination date wins over leave, a padded LEAVE is on_leave
SELECT employee_id, employment_status
FROM hr_staging.stg_employees
WHERE NOT ((employee_id = 1 AND employment_status = 'active')
        OR (employee_id = 2 AND employment_status = 'terminated')
        OR (employee_id = 3 AND employment_status = 'on_leave')
        OR (employee_id = 4 AND employment_status = 'unknown'));

ASSERT (SELECT service_days FROM hr_staging.stg_employees WHERE employee_id = 2) = 1826
  AS 'service days from 2019-03-01 to 2024-02-29';
ASSERT (SELECT service_days FROM hr_staging.stg_employees WHERE employee_id = 1) IS NULL
  AS 'no service days while employed';
ASSERT (SELECT annual_salary FROM hr_staging.stg_employees WHERE employee_id = 1) = 65000.01
  AS 'salary is rounded half away from zero to the cent';
