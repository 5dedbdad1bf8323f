//! The spec: its data model ([`model`]), loading with precise errors ([`load`], [`position`]),
//! the source catalog its DDL declares ([`catalog`]), the tests it names ([`named_tests`]), its
//! meaning resolved into relations, joins and outputs ([`resolve`]: the semantic model every
//! later stage reads), and the lint that decides whether it has one meaning ([`lint`]).

pub mod catalog;
pub mod lint;
pub mod markdown;
pub mod load;
pub mod model;
pub mod named_tests;
pub mod position;
pub mod resolve;
