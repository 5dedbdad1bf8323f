-- One line per employee in each pay run, from the payroll engine. Voided lines stay in the
-- table with run_status 'VOIDED'.
CREATE TABLE raw.pay_run_lines (
  pay_run_id        INT64 NOT NULL,
  employee_id       INT64 NOT NULL,
  period_start      DATE,
  period_end        DATE,
  paid_at           TIMESTAMP,
  gross_amount      NUMERIC,
  tax_amount        NUMERIC,
  deductions_amount NUMERIC,
  run_status        STRING,
  payslip_ref       STRING,
  PRIMARY KEY (pay_run_id, employee_id) NOT ENFORCED,
  FOREIGN KEY (employee_id) REFERENCES raw.hr_employees(employee_id) NOT ENFORCED
);
