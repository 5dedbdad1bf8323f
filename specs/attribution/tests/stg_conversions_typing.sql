-- Unit test of stg_conversions: event names map to conversion types after trimming and
-- lower-casing, order references keep upper-case alphanumerics only, net revenue treats
-- missing amounts as 0, test conversions are dropped. Worked out by hand.
CREATE OR REPLACE TEMP TABLE raw.conversions AS (
  SELECT 1 AS conversion_id, 7 AS user_id, TIMESTAMP '2024-06-01 12:00:00' AS converted_at, ' Checkout_Complete ' AS event_name, 'ord-00123/a' AS order_ref, 100 AS revenue, 8 AS tax, FALSE AS is_test
  UNION ALL SELECT 2, 7, NULL, 'Sign_Up', NULL, NULL, NULL, NULL
  UNION ALL SELECT 3, 8, NULL, 'lead form', '--', 5, NULL, FALSE
  UNION ALL SELECT 4, 9, NULL, 'purchase', 'x', 10, 1, TRUE
);

ASSERT (SELECT COUNT(*) FROM staging.stg_conversions) = 3 AS 'the test conversion is dropped';
ASSERT (SELECT conversion_type FROM staging.stg_conversions WHERE conversion_id = 1) = 'purchase'
  AS 'a padded Checkout_Complete is a purchase';
ASSERT (SELECT order_ref FROM staging.stg_conversions WHERE conversion_id = 1) = 'ORD00123A'
  AS 'order references keep upper-case letters and digits only';
ASSERT (SELECT net_revenue_usd FROM staging.stg_conversions WHERE conversion_id = 1) = 92
  AS 'net revenue is revenue minus tax';
ASSERT (SELECT conversion_type FROM staging.stg_conversions WHERE conversion_id = 2) = 'signup'
  AS 'Sign_Up is a signup';
ASSERT (SELECT net_revenue_usd FROM staging.stg_conversions WHERE conversion_id = 2) = 0
  AS 'missing revenue and tax give 0';
ASSERT (SELECT conversion_type FROM staging.stg_conversions WHERE conversion_id = 3) = 'other'
  AS 'lead form (with a space) is not lead_form';
ASSERT (SELECT order_ref FROM staging.stg_conversions WHERE conversion_id = 3) IS NULL
  AS 'a reference with no letter or digit is NULL';
ASSERT (SELECT net_revenue_usd FROM staging.stg_conversions WHERE conversion_id = 3) = 5
  AS 'a missing tax counts as 0';
