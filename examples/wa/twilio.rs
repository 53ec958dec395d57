//! `wa twilio …`, `wa parse twilio` and `wa send twilio`.

use crate::args::{Failure, usage};

pub fn run(command: &str, _rest: &[String]) -> Result<(), Failure> {
    Err(usage(format!("'twilio {command}' is not available yet")))
}

pub fn parse(_rest: &[String]) -> Result<(), Failure> {
    Err(usage("'parse twilio' is not available yet"))
}

pub async fn send(_rest: &[String]) -> Result<(), Failure> {
    Err(usage("'send twilio' is not available yet"))
}
