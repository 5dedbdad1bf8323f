-- Checks the source instead of the model's output.
ASSERT (SELECT COUNT(*) FROM raw.commerce_orders) >= 0 AS 'orders loaded';
