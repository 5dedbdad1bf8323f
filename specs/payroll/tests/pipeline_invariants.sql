-- On the synthetic data of the main run: every employee has one pay row, rates are shares, the
-- history has one open version per employee, open until 9999-12-31 23:59:59.
ASSERT (SELECT COUNT(*) FROM payroll.fct_employee_pay) = (SELECT COUNT(*) FROM hr_staging.stg_employees)
  AS 'one pay row per employee';
ASSERT NOT EXISTS (
  SELECT employee_id FROM payroll.fct_employee_pay WHERE approval_rate < 0 OR approval_rate > 1
) AS 'approval rate is a share';
ASSERT NOT EXISTS (
  SELECT employee_id FROM payroll.dim_employee_scd2 WHERE is_current GROUP BY employee_id HAVING COUNT(*) > 1
) AS 'one current version per employee';
ASSERT NOT EXISTS (
  SELECT employee_id FROM payroll.dim_employee_scd2 WHERE is_current AND valid_to <> TIMESTAMP '9999-12-31 23:59:59'
) AS 'an open version ends on 9999-12-31 23:59:59';
