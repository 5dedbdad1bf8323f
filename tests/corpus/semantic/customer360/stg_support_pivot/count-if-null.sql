-- defect: open_tickets uses DuckDB's count_if(status = 'OPEN') instead of count(*) FILTER
-- kind: countif-null
-- stg_support_pivot: open and closed ticket counts per customer.
-- count(*) FILTER keeps BigQuery's COUNTIF meaning: 0, never NULL, and a BIGINT.
WITH tickets AS (
    SELECT customer_id, status
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    count_if(tickets.status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE tickets.status = 'CLOSED') AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
