-- stg_support_pivot: open and closed ticket counts per customer.
-- count of a NOT NULL column where the CASE matches counts like COUNTIF: 0, never NULL, a BIGINT.
WITH tickets AS (
    SELECT customer_id, status
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    count(CASE WHEN tickets.status = 'OPEN' THEN tickets.customer_id END) AS open_tickets,
    count(tickets.customer_id) FILTER (WHERE tickets.status = 'CLOSED') AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
