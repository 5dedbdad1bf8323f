-- defect: a closed version's valid_to is the run time minus one second instead of the run time
-- kind: scd2-expiry-off-by-one
-- dim_products_scd2: type 2 history of staging.stg_products, keyed on sku.
-- Each run closes the current version of every SKU whose tracked columns changed or that
-- vanished, then opens a version for every SKU in the snapshot without a current version.
-- Only unit_cost, reorder_point, supplier_id, lead_time_days and is_discontinued are tracked:
-- a new name or category alone opens no version, and a version keeps the values it opened with.
-- Tracked columns compare NULL-safely; an open version has valid_to 9999-12-31 23:59:59.
CREATE TABLE IF NOT EXISTS inventory.dim_products_scd2 (
    sku VARCHAR,
    product_name VARCHAR,
    category VARCHAR,
    gtin14 VARCHAR,
    sku_family VARCHAR,
    unit_cost DECIMAL(38, 9),
    reorder_point BIGINT,
    safety_stock BIGINT,
    supplier_id BIGINT,
    supplier_name VARCHAR,
    lead_time_days BIGINT,
    is_discontinued BOOLEAN,
    valid_from TIMESTAMP,
    valid_to TIMESTAMP,
    is_current BOOLEAN
);

UPDATE inventory.dim_products_scd2 AS target
SET valid_to = CURRENT_TIMESTAMP - INTERVAL 1 SECOND, is_current = FALSE
WHERE target.is_current
    AND (
        NOT EXISTS (
            SELECT 1
            FROM staging.stg_products AS source
            WHERE source.sku = target.sku
        )
        OR EXISTS (
            SELECT 1
            FROM staging.stg_products AS source
            WHERE source.sku = target.sku
                AND (
                    source.unit_cost IS DISTINCT FROM target.unit_cost
                    OR source.reorder_point IS DISTINCT FROM target.reorder_point
                    OR source.supplier_id IS DISTINCT FROM target.supplier_id
                    OR source.lead_time_days IS DISTINCT FROM target.lead_time_days
                    OR source.is_discontinued IS DISTINCT FROM target.is_discontinued
                )
        )
    );

INSERT INTO inventory.dim_products_scd2 (
    sku, product_name, category, gtin14, sku_family, unit_cost, reorder_point, safety_stock,
    supplier_id, supplier_name, lead_time_days, is_discontinued, valid_from, valid_to, is_current
)
SELECT
    source.sku,
    source.product_name,
    source.category,
    source.gtin14,
    source.sku_family,
    source.unit_cost,
    source.reorder_point,
    source.safety_stock,
    source.supplier_id,
    source.supplier_name,
    source.lead_time_days,
    source.is_discontinued,
    CURRENT_TIMESTAMP,
    TIMESTAMP '9999-12-31 23:59:59',
    TRUE
FROM staging.stg_products AS source
WHERE NOT EXISTS (
    SELECT 1
    FROM inventory.dim_products_scd2 AS target
    WHERE target.sku = source.sku
        AND target.is_current
);
