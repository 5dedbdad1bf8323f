-- stg_support_pivot, then a column dropped from its own table.
CREATE OR REPLACE TABLE temp.stg_support_pivot AS
SELECT
    customer_id,
    count(*) FILTER (WHERE status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE status = 'CLOSED') AS closed_tickets
FROM raw.support_tickets
GROUP BY customer_id;
ALTER TABLE temp.stg_support_pivot DROP COLUMN closed_tickets;
