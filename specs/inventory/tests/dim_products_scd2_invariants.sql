-- On the synthetic data of the main run (first run of the history): every SKU of stg_products
-- has exactly one version, current, open until 9999-12-31 23:59:59 (open_expiry far_future).
ASSERT (SELECT COUNT(*) FROM inventory.dim_products_scd2) = (SELECT COUNT(*) FROM staging.stg_products)
  AS 'after the first run, one version per SKU';
ASSERT NOT EXISTS (
  SELECT sku
  FROM inventory.dim_products_scd2
  WHERE NOT is_current OR valid_to <> TIMESTAMP '9999-12-31 23:59:59' OR valid_from >= valid_to
) AS 'every version of the first run is current and open until the far future';
