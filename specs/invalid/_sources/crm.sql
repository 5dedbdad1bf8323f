-- Shared source DDL of the invalid-spec corpus (each case's specproof.toml points here).
CREATE TABLE raw.customers (
  customer_id INT64 NOT NULL,
  email       STRING,
  status      STRING,
  created_at  TIMESTAMP,
  PRIMARY KEY (customer_id) NOT ENFORCED
);

CREATE TABLE raw.addresses (
  customer_id INT64 NOT NULL,
  country     STRING,
  created_at  TIMESTAMP
);

CREATE TABLE raw.orders (
  order_id    INT64 NOT NULL,
  customer_id INT64 NOT NULL,
  amount      NUMERIC,
  PRIMARY KEY (order_id) NOT ENFORCED
);

CREATE TABLE raw.tickets (
  customer_id INT64 NOT NULL,
  status      STRING
);
