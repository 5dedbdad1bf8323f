-- Web analytics sessions.
CREATE TABLE raw.web_sessions (
  session_id STRING NOT NULL,
  user_id    INT64,
  started_at TIMESTAMP,
  ended_at   TIMESTAMP,
  pageviews  INT64,
  device     STRING,
  is_bot     BOOL,
  PRIMARY KEY (session_id) NOT ENFORCED
);
