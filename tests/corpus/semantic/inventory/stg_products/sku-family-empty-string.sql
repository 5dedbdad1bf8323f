-- defect: sku_family is regexp_extract(sku, '^([A-Z]{2,4})-', 1) without the regexp_matches guard
-- kind: translation-null
-- stg_products: one row per SKU of the product master, standardised, with its preferred
-- supplier when that supplier is active. Suppliers that are not ACTIVE are dropped before the
-- LEFT JOIN: their products stay, without a supplier name and with the default lead time of 14.
-- BigQuery's TRIM strips all whitespace (DuckDB's trim only spaces), REGEXP_EXTRACT gives NULL
-- when nothing matches (DuckDB's regexp_extract gives '').
WITH products AS (
    SELECT sku, product_name, category, gtin, unit_cost, reorder_point, safety_stock, supplier_id, discontinued
    FROM raw.products
),

active_suppliers AS (
    SELECT supplier_id, supplier_name, lead_time_days
    FROM raw.suppliers
    WHERE status = 'ACTIVE'
)

SELECT
    products.sku AS sku,
    regexp_replace(products.product_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') AS product_name,
    coalesce(lower(regexp_replace(products.category, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')), 'uncategorised') AS category,
    CASE
        WHEN regexp_matches(regexp_replace(products.gtin, '[^0-9]', '', 'g'), '^[0-9]{12,14}$')
            THEN lpad(regexp_replace(products.gtin, '[^0-9]', '', 'g'), 14, '0')
        ELSE NULL
    END AS gtin14,
    regexp_extract(products.sku, '^([A-Z]{2,4})-', 1) AS sku_family,
    products.unit_cost AS unit_cost,
    coalesce(products.reorder_point, 0) AS reorder_point,
    products.safety_stock AS safety_stock,
    products.supplier_id AS supplier_id,
    active_suppliers.supplier_name AS supplier_name,
    coalesce(CASE WHEN active_suppliers.lead_time_days >= 0 THEN active_suppliers.lead_time_days END, 14) AS lead_time_days,
    coalesce(products.discontinued, FALSE) AS is_discontinued
FROM products
LEFT JOIN active_suppliers ON products.supplier_id = active_suppliers.supplier_id
