-- HR department master. One row per department code (upper case); departments are deactivated,
-- never deleted.
CREATE TABLE raw.hr_departments (
  dept_code   STRING NOT NULL,
  dept_name   STRING,
  cost_center STRING,
  is_active   BOOL,
  PRIMARY KEY (dept_code) NOT ENFORCED
);
