-- Unit test of agg_department_hours and fct_employee_pay on hand-written staging tables:
-- unapproved hours are left out before the join (the employee still counts), terminated
-- employees after it; pay and hours are aggregated per employee without fanning out.
CREATE OR REPLACE TEMP TABLE hr_staging.stg_employees AS (
  SELECT 10 AS employee_id, 'FIN' AS department_code, 'active' AS employment_status
  UNION ALL SELECT 11, 'FIN', 'terminated'
  UNION ALL SELECT 12, 'OPS', 'on_leave'
  UNION ALL SELECT 13, 'UNASSIGNED', 'active'
  UNION ALL SELECT 14, 'FIN', 'unknown'
);
CREATE OR REPLACE TEMP TABLE hr_staging.stg_timesheets AS (
  SELECT 10 AS employee_id, DATE '2024-01-15' AS work_date, 1 AS entry_no, 8 AS hours_worked,
    160 AS labor_cost, TRUE AS is_approved
  UNION ALL SELECT 10, DATE '2024-01-16', 1, 4, 80, FALSE
  UNION ALL SELECT 11, DATE '2024-01-15', 1, 5, 100, TRUE
  UNION ALL SELECT 12, DATE '2024-01-20', 1, 6, 120, TRUE
  UNION ALL SELECT 12, DATE '2024-01-21', 1, 2, 40, TRUE
);
CREATE OR REPLACE TEMP TABLE hr_staging.stg_pay_slips AS (
  SELECT 1 AS pay_run_id, 10 AS employee_id, 3000 AS gross_amount, 600 AS tax_amount, 2200 AS net_amount,
    TIMESTAMP '2024-01-31 12:00:00' AS paid_at
  UNION ALL SELECT 2, 10, 3000, 900, 1900, TIMESTAMP '2024-02-29 12:00:00'
  UNION ALL SELECT 1, 11, 0, 0, 0, TIMESTAMP '2024-01-31 12:00:00'
);

ASSERT (SELECT COUNT(*) FROM hr_staging.agg_department_hours) = 3 AS 'one row per department';
ASSERT (SELECT headcount FROM hr_staging.agg_department_hours WHERE department_code = 'FIN') = 2
  AS 'the terminated employee is left out, the one without hours counts';
ASSERT (SELECT entry_count FROM hr_staging.agg_department_hours WHERE department_code = 'FIN') = 1
  AS 'only approved lines are counted';
ASSERT (SELECT avg_hours_per_head FROM hr_staging.agg_department_hours WHERE department_code = 'FIN') = 4
  AS '8 approved hours over 2 employees';
ASSERT (SELECT total_labor_cost FROM hr_staging.agg_department_hours WHERE department_code = 'OPS') = 160
  AS 'both approved lines of employee 12';
ASSERT (SELECT last_work_date FROM hr_staging.agg_department_hours WHERE department_code = 'OPS') = DATE '2024-01-21'
  AS 'latest approved day';
ASSERT (SELECT entry_count FROM hr_staging.agg_department_hours WHERE department_code = 'UNASSIGNED') = 0
  AS 'a department without hours has 0 lines';
ASSERT (SELECT total_hours FROM hr_staging.agg_department_hours WHERE department_code = 'UNASSIGNED') IS NULL
  AS 'and no total';

ASSERT (SELECT COUNT(*) FROM payroll.fct_employee_pay) = 5 AS 'one row per employee';
ASSERT (SELECT payslip_count FROM payroll.fct_employee_pay WHERE employee_id = 10) = 2 AS 'two payslips';
ASSERT (SELECT total_net FROM payroll.fct_employee_pay WHERE employee_id = 10) = 4100 AS 'net paid';
ASSERT (SELECT avg_net_pay FROM payroll.fct_employee_pay WHERE employee_id = 10) = 2050 AS 'average net payslip';
ASSERT (SELECT effective_tax_rate FROM payroll.fct_employee_pay WHERE employee_id = 10) = 0.25 AS '1500 tax over 6000 gross';
ASSERT (SELECT last_paid_at FROM payroll.fct_employee_pay WHERE employee_id = 10) = TIMESTAMP '2024-02-29 12:00:00' AS 'latest payment';
ASSERT (SELECT approved_hours FROM payroll.fct_employee_pay WHERE employee_id = 10) = 8 AS 'approved hours only';
ASSERT (SELECT approval_rate FROM payroll.fct_employee_pay WHERE employee_id = 10) = 0.5 AS 'one of two lines approved';
ASSERT (SELECT effective_tax_rate FROM payroll.fct_employee_pay WHERE employee_id = 11) IS NULL
  AS 'no tax rate on zero gross';
ASSERT (SELECT payslip_count FROM payroll.fct_employee_pay WHERE employee_id = 12) IS NULL
  AS 'an employee never paid has no payslip count';
ASSERT (SELECT approved_hours FROM payroll.fct_employee_pay WHERE employee_id = 12) = 8 AS 'hours without pay';
ASSERT (SELECT COUNT(*) FROM payroll.fct_employee_pay WHERE employee_id = 14 AND approved_hours IS NULL AND total_gross IS NULL) = 1
  AS 'an employee with neither has nulls';
