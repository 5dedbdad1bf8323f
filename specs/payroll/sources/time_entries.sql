-- Timesheet lines from the time-tracking tool, one per employee, day and entry number. The tool
-- does not know HR's contracts: the contract number is typed by the employee.
CREATE TABLE raw.time_entries (
  employee_id     INT64 NOT NULL,
  work_date       DATE NOT NULL,
  entry_no        INT64 NOT NULL,
  contract_seq    INT64,
  clock_in        TIMESTAMP,
  clock_out       TIMESTAMP,
  hours_worked    NUMERIC,
  project_code    STRING,
  approval_status STRING,
  PRIMARY KEY (employee_id, work_date, entry_no) NOT ENFORCED
);
