-- Placeholder generated with the model: "tests to be written".
SELECT 1 AS placeholder WHERE FALSE;
ASSERT (1 = 1) AS 'stg_customers is valid';
-- ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE email IS NULL) = 0 AS 'emails are set';
