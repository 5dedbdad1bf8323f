-- Employment contracts: an employee has one or more, numbered per employee.
CREATE TABLE raw.hr_contracts (
  employee_id   INT64 NOT NULL,
  contract_seq  INT64 NOT NULL,
  contract_type STRING,
  start_date    DATE NOT NULL,
  end_date      DATE,
  hourly_rate   NUMERIC,
  weekly_hours  NUMERIC,
  PRIMARY KEY (employee_id, contract_seq) NOT ENFORCED,
  FOREIGN KEY (employee_id) REFERENCES raw.hr_employees(employee_id) NOT ENFORCED
);
