CREATE TABLE raw.customers (
  customer_id INT64 NOT NULL,,
  email STRING
);
