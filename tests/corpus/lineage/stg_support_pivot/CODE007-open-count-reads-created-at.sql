-- stg_support_pivot: open and closed ticket counts per customer.
-- count(*) FILTER keeps BigQuery's COUNTIF meaning: 0, never NULL, and a BIGINT.
WITH tickets AS (
    SELECT customer_id, status, created_at
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    count(*) FILTER (WHERE tickets.status = 'OPEN' AND tickets.created_at IS NOT NULL) AS open_tickets, -- expect: CODE007
    count(*) FILTER (WHERE tickets.status = 'CLOSED') AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
