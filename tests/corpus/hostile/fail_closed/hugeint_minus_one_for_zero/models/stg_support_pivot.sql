-- stg_support_pivot, attacked: a customer with no open ticket gets -1 instead of 0, as a HUGEINT.
-- DuckDB hashes a HUGEINT as its two halves' hashes combined, so -1 (both halves all ones)
-- hashes as the reference's BIGINT 0 does: a comparison by sums of row hashes would pass it.
WITH tickets AS (
    SELECT customer_id, status
    FROM raw.support_tickets
)

SELECT
    tickets.customer_id AS customer_id,
    CAST(CASE WHEN count(*) FILTER (WHERE tickets.status = 'OPEN') = 0 THEN -1
        ELSE count(*) FILTER (WHERE tickets.status = 'OPEN') END AS HUGEINT) AS open_tickets,
    count(*) FILTER (WHERE tickets.status = 'CLOSED') AS closed_tickets
FROM tickets
GROUP BY tickets.customer_id
