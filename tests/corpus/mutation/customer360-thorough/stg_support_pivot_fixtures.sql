-- Unit test of stg_support_pivot: open and closed tickets counted per customer, repeated tickets
-- each counted, other statuses in neither count.
CREATE OR REPLACE TEMP TABLE raw.support_tickets AS (
  SELECT 1 AS customer_id, 'OPEN' AS status
  UNION ALL SELECT 1, 'OPEN'
  UNION ALL SELECT 1, 'CLOSED'
  UNION ALL SELECT 1, 'PENDING'
  UNION ALL SELECT 2, 'CLOSED'
);

ASSERT (SELECT COUNT(*) FROM temp.stg_support_pivot) = 2 AS 'one row per customer';
ASSERT (SELECT open_tickets FROM temp.stg_support_pivot WHERE customer_id = 1) = 2 AS 'both open tickets count';
ASSERT (SELECT closed_tickets FROM temp.stg_support_pivot WHERE customer_id = 1) = 1 AS 'one closed ticket';
ASSERT (SELECT open_tickets FROM temp.stg_support_pivot WHERE customer_id = 2) = 0 AS 'a closed ticket is not open';
