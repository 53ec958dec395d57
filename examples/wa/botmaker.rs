//! `wa botmaker …`, `wa parse botmaker` and `wa send botmaker`.

use crate::args::{Failure, usage};

pub fn run(command: &str, _rest: &[String]) -> Result<(), Failure> {
    Err(usage(format!("'botmaker {command}' is not available yet")))
}

pub fn parse(_rest: &[String]) -> Result<(), Failure> {
    Err(usage("'parse botmaker' is not available yet"))
}

pub async fn send(_rest: &[String]) -> Result<(), Failure> {
    Err(usage("'send botmaker' is not available yet"))
}
