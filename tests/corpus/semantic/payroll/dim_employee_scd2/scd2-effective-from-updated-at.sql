-- defect: valid_from is the source's updated_at instead of the run time
-- kind: scd2-effective-from-source
-- dim_employee_scd2: type 2 history of hr_staging.stg_employees, keyed on employee_id.
-- Each run closes the current version of every employee whose tracked columns changed or who
-- vanished, then opens a version for every employee in the snapshot without a current version
-- (new, changed or back). Only department_code, job_title, employment_status and annual_salary
-- are tracked, NULL-safely; the other columns keep the values of the version's first snapshot.
-- An open version has valid_to 9999-12-31 23:59:59.
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

UPDATE payroll.dim_employee_scd2 AS target
SET valid_to = CURRENT_TIMESTAMP, is_current = FALSE
WHERE target.is_current
    AND (
        NOT EXISTS (
            SELECT 1
            FROM hr_staging.stg_employees AS source
            WHERE source.employee_id = target.employee_id
        )
        OR EXISTS (
            SELECT 1
            FROM hr_staging.stg_employees AS source
            WHERE source.employee_id = target.employee_id
                AND (
                    source.department_code IS DISTINCT FROM target.department_code
                    OR source.job_title IS DISTINCT FROM target.job_title
                    OR source.employment_status IS DISTINCT FROM target.employment_status
                    OR source.annual_salary IS DISTINCT FROM target.annual_salary
                )
        )
    );

INSERT INTO payroll.dim_employee_scd2 (
    employee_id, full_name, work_email, department_code, department_name, job_title,
    employment_status, hire_date, termination_date, service_days, annual_salary, updated_at,
    valid_from, valid_to, is_current
)
SELECT
    source.employee_id,
    source.full_name,
    source.work_email,
    source.department_code,
    source.department_name,
    source.job_title,
    source.employment_status,
    source.hire_date,
    source.termination_date,
    source.service_days,
    source.annual_salary,
    source.updated_at,
    source.updated_at,
    TIMESTAMP '9999-12-31 23:59:59',
    TRUE
FROM hr_staging.stg_employees AS source
WHERE NOT EXISTS (
    SELECT 1
    FROM payroll.dim_employee_scd2 AS target
    WHERE target.employee_id = source.employee_id
        AND target.is_current
);
