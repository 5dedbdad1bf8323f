-- Customers as the CRM exports them. One row per customer.
CREATE TABLE raw.customers (
  customer_id INT64 NOT NULL,
  email       STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
);
