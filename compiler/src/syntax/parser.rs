//! The pest parser generated from `csflow.pest`.

#[derive(pest_derive::Parser)]
#[grammar = "syntax/csflow.pest"]
pub struct CsflowParser;
