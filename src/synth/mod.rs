//! Stage 3, synthetic data: seeded datasets built from the source DDL and the spec to take
//! every branch of the spec (join matches and misses, fan-out, nulls, CASE literals and their
//! near misses). Not built yet: see the issue "Run it".
