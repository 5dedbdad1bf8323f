//! Code generation from the spec (SQLX, dbt, DuckDB SQL, tests), on request. Not built yet.
