-- Orders as the shop exports them. One row per order.
CREATE TABLE raw.orders (
  order_id    INT64 NOT NULL,
  customer_id INT64 NOT NULL,
  amount      NUMERIC,
  PRIMARY KEY (order_id) NOT ENFORCED,
  FOREIGN KEY (customer_id) REFERENCES raw.customers (customer_id) NOT ENFORCED
);
