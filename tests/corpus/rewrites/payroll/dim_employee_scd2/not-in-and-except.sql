-- rewrite: vanished keys found with NOT IN (employee_id is never NULL), changed ones with an EXCEPT of the tracked columns (EXCEPT compares NULLs as equal); the open versions as an anti-join LEFT JOIN … IS NULL
CREATE TABLE IF NOT EXISTS payroll.dim_employee_scd2 (
    employee_id BIGINT,
    full_name VARCHAR,
    work_email VARCHAR,
    department_code VARCHAR,
    department_name VARCHAR,
    job_title VARCHAR,
    employment_status VARCHAR,
    hire_date DATE,
    termination_date DATE,
    service_days BIGINT,
    annual_salary DECIMAL(38, 9),
    updated_at TIMESTAMP,
    valid_from TIMESTAMP,
    valid_to TIMESTAMP,
    is_current BOOLEAN
);

UPDATE payroll.dim_employee_scd2
SET valid_to = CURRENT_TIMESTAMP, is_current = FALSE
WHERE is_current
    AND (
        employee_id NOT IN (SELECT employee_id FROM hr_staging.stg_employees)
        OR employee_id IN (
            SELECT employee_id FROM (
                SELECT employee_id, department_code, job_title, employment_status, annual_salary
                FROM payroll.dim_employee_scd2
                WHERE is_current
                EXCEPT
                SELECT employee_id, department_code, job_title, employment_status, annual_salary
                FROM hr_staging.stg_employees
            ) AS changed_or_gone
        )
    );

INSERT INTO payroll.dim_employee_scd2
SELECT
    s.employee_id, s.full_name, s.work_email, s.department_code, s.department_name, s.job_title,
    s.employment_status, s.hire_date, s.termination_date, s.service_days, s.annual_salary,
    s.updated_at, CURRENT_TIMESTAMP, TIMESTAMP '9999-12-31 23:59:59', TRUE
FROM hr_staging.stg_employees AS s
LEFT JOIN payroll.dim_employee_scd2 AS d
    ON d.employee_id = s.employee_id AND d.is_current
WHERE d.employee_id IS NULL;
