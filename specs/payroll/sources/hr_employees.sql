-- HR employee master, as typed in by HR staff: department codes are free text (case and
-- padding vary), status codes come from two generations of the HR system.
CREATE TABLE raw.hr_employees (
  employee_id       INT64 NOT NULL,
  first_name        STRING,
  last_name         STRING,
  work_email        STRING,
  dept_code         STRING,
  job_title         STRING,
  employment_status STRING,
  hire_date         DATE,
  termination_date  DATE,
  annual_salary     NUMERIC,
  updated_at        TIMESTAMP,
  PRIMARY KEY (employee_id) NOT ENFORCED
);
