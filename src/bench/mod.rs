//! `specproof bench`: a synthetic pipeline of any size ([`generate`]), validated with every
//! stage timed and its work counted ([`measure`]), and the figures for people or for trend
//! tracking ([`render`]).

pub mod generate;
pub mod measure;
pub mod render;
