-- stg_support_pivot counting with SUM(CASE ... ELSE 0 END): 0, never NULL, like COUNTIF.
WITH tickets AS (
    SELECT customer_id, status
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    CAST(SUM(CASE WHEN tickets.status = 'OPEN' THEN 1 ELSE 0 END) AS BIGINT) AS open_tickets,
    CAST(SUM(CASE WHEN tickets.status = 'CLOSED' THEN 1 ELSE 0 END) AS BIGINT) AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
