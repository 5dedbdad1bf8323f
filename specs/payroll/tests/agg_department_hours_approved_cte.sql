-- cte: agg_department_hours.approved_hours
-- The approved_hours CTE keeps approved timesheet lines only, before the join.
CREATE OR REPLACE TEMP TABLE hr_staging.stg_timesheets AS (
  SELECT 10 AS employee_id, DATE '2024-01-15' AS work_date, 1 AS entry_no, 8 AS hours_worked, 160 AS labor_cost,
    TRUE AS is_approved
  UNION ALL SELECT 10, DATE '2024-01-16', 1, 4, 80, FALSE
  UNION ALL SELECT 11, DATE '2024-01-16', 1, 3, 90, TRUE
);

ASSERT (SELECT COUNT(*) FROM approved_hours) = 2 AS 'only approved lines are kept';
