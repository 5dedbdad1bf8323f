-- Unit test of stg_pay_slips: voided lines and lines without a status are dropped, missing
-- amounts count 0, net is gross less tax less deductions, the payslip number pads (and cuts) the
-- pay run to six digits.
CREATE OR REPLACE TEMP TABLE raw.pay_run_lines AS (
  SELECT 1 AS pay_run_id, 10 AS employee_id, DATE '2024-01-01' AS period_start, DATE '2024-01-31' AS period_end,
    TIMESTAMP '2024-01-31 23:30:00' AS paid_at, 5000 AS gross_amount, 1000.5 AS tax_amount,
    200 AS deductions_amount, 'PAID' AS run_status, 'REG-1' AS payslip_ref
  UNION ALL SELECT 2, 10, DATE '2024-01-01', DATE '2024-01-31', NULL, 5000, 1000, 0, 'VOIDED', NULL
  UNION ALL SELECT 3, 10, DATE '2024-01-01', DATE '2024-01-31', NULL, 5000, 1000, 0, NULL, NULL
  UNION ALL SELECT 4, 11, NULL, NULL, NULL, NULL, NULL, NULL, ' pending', 'OC-77'
  UNION ALL SELECT 1234567, 11, DATE '2024-02-01', DATE '2024-02-29', NULL, 100, 0, 50, 'Voided', 'OC-7x'
);

ASSERT (SELECT COUNT(*) FROM hr_staging.stg_pay_slips) = 3
  AS 'VOIDED lines and lines without a status are dropped';
ASSERT (SELECT payslip_number FROM hr_staging.stg_pay_slips WHERE pay_run_id = 1) = 'PS-000001-10'
  AS 'the pay run is left-padded to six digits';
ASSERT (SELECT payslip_number FROM hr_staging.stg_pay_slips WHERE pay_run_id = 1234567) = 'PS-123456-11'
  AS 'LPAD cuts a longer pay run to six characters';
ASSERT (SELECT net_amount FROM hr_staging.stg_pay_slips WHERE pay_run_id = 1) = 3799.5
  AS '5000 less 1000.5 tax less 200 deductions';
ASSERT (SELECT net_amount FROM hr_staging.stg_pay_slips WHERE pay_run_id = 4) = 0
  AS 'missing amounts count 0';
ASSERT (SELECT pay_period || ' ' || CAST(period_days AS STRING) FROM hr_staging.stg_pay_slips WHERE pay_run_id = 1234567) = '2024-02 29'
  AS 'February 2024 has 29 days, both ends included';
ASSERT (SELECT paid_date FROM hr_staging.stg_pay_slips WHERE pay_run_id = 1) = DATE '2024-01-31'
  AS 'the payment date is the UTC date';

-- statuses and off-cycle references
SELECT pay_run_id, run_status, is_off_cycle
FROM hr_staging.stg_pay_slips
WHERE NOT ((pay_run_id = 1 AND run_status = 'paid' AND NOT is_off_cycle)
        OR (pay_run_id = 4 AND run_status = 'pending' AND is_off_cycle)
        OR (pay_run_id = 1234567 AND run_status = 'other' AND NOT is_off_cycle));
