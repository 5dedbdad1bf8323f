-- On the synthetic data of the main run (one run of the SCD2 model): every campaign has one
-- version, current, open until 9999-12-31 23:59:59 (open_expiry far_future).
ASSERT (SELECT COUNT(*) FROM marts.dim_campaigns_scd2) = (SELECT COUNT(*) FROM staging.stg_campaigns)
  AS 'after the first run, one version per campaign';
ASSERT NOT EXISTS (
  SELECT campaign_id
  FROM marts.dim_campaigns_scd2
  WHERE NOT is_current OR valid_to <> TIMESTAMP '9999-12-31 23:59:59' OR valid_from >= valid_to
) AS 'every first-run version is current and open until the far future';
