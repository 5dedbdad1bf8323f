-- Unit test of stg_products on three hand-written products: GTINs become 14 digits, the SKU
-- family is the 2-4 letter prefix before a dash, categories are trimmed and lower-cased, and a
-- supplier that is not ACTIVE is dropped before the LEFT JOIN (the product stays, with the
-- default lead time of 14 days). Expected values computed by hand from the spec.
CREATE OR REPLACE TEMP TABLE raw.suppliers AS (
  SELECT 1 AS supplier_id, 'Acme' AS supplier_name, 'US' AS country_code, 'ACTIVE' AS status, 7 AS lead_time_days
  UNION ALL SELECT 2, 'Hold Ltd', 'GB', 'ON_HOLD', 3
  UNION ALL SELECT 3, 'Bolt Co', 'DE', 'ACTIVE', -2
);
CREATE OR REPLACE TEMP TABLE raw.products AS (
  SELECT 'AB-100' AS sku, ' Widget ' AS product_name, ' Fasteners ' AS category, '0 12345 67890 5' AS gtin, 2.5 AS unit_cost, CAST(NULL AS INT64) AS reorder_point, 5 AS safety_stock, 1 AS supplier_id, CAST(NULL AS BOOL) AS discontinued
  UNION ALL SELECT 'x-1', NULL, NULL, '123', 1.0, 10, NULL, 2, TRUE
  UNION ALL SELECT 'TOOLS-9', 'Drill', 'Tools', NULL, 40.0, 3, 1, 3, FALSE
);

ASSERT (SELECT COUNT(*) FROM staging.stg_products) = 3
  AS 'every product is kept, whatever its supplier';
ASSERT (SELECT gtin14 FROM staging.stg_products WHERE sku = 'AB-100') = '00012345678905'
  AS 'a 12-digit GTIN keeps its digits and is left-padded to 14';
ASSERT (SELECT gtin14 FROM staging.stg_products WHERE sku = 'x-1') IS NULL
  AS 'a 3-digit code is not a GTIN';
ASSERT (SELECT sku_family FROM staging.stg_products WHERE sku = 'AB-100') = 'AB'
  AS 'the SKU family is the letter prefix before the dash';
ASSERT (SELECT sku_family FROM staging.stg_products WHERE sku = 'TOOLS-9') IS NULL
  AS 'a prefix of five letters is not a family';
ASSERT (SELECT category FROM staging.stg_products WHERE sku = 'AB-100') = 'fasteners'
  AS 'categories are trimmed and lower-cased';
ASSERT (SELECT category FROM staging.stg_products WHERE sku = 'x-1') = 'uncategorised'
  AS 'a missing category is uncategorised';
ASSERT (SELECT reorder_point FROM staging.stg_products WHERE sku = 'AB-100') = 0
  AS 'a missing reorder point is 0';
ASSERT (SELECT lead_time_days FROM staging.stg_products WHERE sku = 'AB-100') = 7
  AS 'an active supplier lends its lead time';
ASSERT (SELECT lead_time_days FROM staging.stg_products WHERE sku = 'x-1') = 14
  AS 'a supplier on hold is filtered before the join: default lead time';
ASSERT (SELECT lead_time_days FROM staging.stg_products WHERE sku = 'TOOLS-9') = 14
  AS 'a negative lead time falls back to 14';
ASSERT (SELECT supplier_name FROM staging.stg_products WHERE sku = 'x-1') IS NULL
  AS 'a supplier on hold lends no name';
ASSERT (SELECT supplier_id FROM staging.stg_products WHERE sku = 'x-1') = 2
  AS 'the product keeps its own supplier_id';
ASSERT (SELECT COUNT(*) FROM staging.stg_products WHERE is_discontinued) = 1
  AS 'a missing discontinued flag is FALSE';
