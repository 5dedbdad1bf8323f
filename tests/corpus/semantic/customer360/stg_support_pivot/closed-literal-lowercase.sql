-- defect: closed_tickets counts status = 'closed' instead of 'CLOSED'
-- kind: literal-case
-- stg_support_pivot: open and closed ticket counts per customer.
-- count(*) FILTER keeps BigQuery's COUNTIF meaning: 0, never NULL, and a BIGINT.
WITH tickets AS (
    SELECT customer_id, status
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    count(*) FILTER (WHERE tickets.status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE tickets.status = 'closed') AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
