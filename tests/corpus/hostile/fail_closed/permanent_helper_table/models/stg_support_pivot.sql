-- stg_support_pivot, through a permanent helper table.
CREATE OR REPLACE TABLE temp.helper_counts AS
SELECT
    customer_id,
    count(*) FILTER (WHERE status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE status = 'CLOSED') AS closed_tickets
FROM raw.support_tickets
GROUP BY customer_id;
CREATE OR REPLACE TABLE temp.stg_support_pivot AS SELECT * FROM temp.helper_counts;
