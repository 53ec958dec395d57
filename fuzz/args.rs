//! A small command-line parser for the `wa` target: `--name VALUE` or `--name=VALUE`,
//! repeated where allowed. It cuts a fuzz input into the flags each `wa` command reads (the
//! tool itself parses its command line with clap).

use std::fmt;

/// How a command ended when it did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or usage: exit 2.
    Usage(String),
    /// An invalid signature: exit 1.
    Invalid(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Invalid(m) => f.write_str(m),
        }
    }
}

pub fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

/// The arguments after the command words.
pub struct Args {
    flags: Vec<(String, String)>,
    switches: Vec<String>,
}

impl Args {
    /// Parses `args`; the names in `switches` take no value.
    pub fn parse(args: &[String], switches: &[&str]) -> Result<Args, Failure> {
        let mut flags = Vec::new();
        let mut seen_switches = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                return Err(usage(format!("unexpected argument {a:?}")));
            };
            if let Some((n, v)) = name.split_once('=') {
                flags.push((n.to_owned(), v.to_owned()));
            } else if switches.contains(&name) {
                seen_switches.push(name.to_owned());
            } else {
                let v = it
                    .next()
                    .ok_or_else(|| usage(format!("--{name} needs a value")))?;
                flags.push((name.to_owned(), v.clone()));
            }
        }
        Ok(Args {
            flags,
            switches: seen_switches,
        })
    }

    /// The value of a flag given at most once.
    pub fn opt(&mut self, name: &str) -> Result<Option<String>, Failure> {
        let mut values = self.all(name);
        if values.len() > 1 {
            return Err(usage(format!("--{name} is given more than once")));
        }
        Ok(values.pop())
    }

    /// The value of a required flag.
    pub fn req(&mut self, name: &str) -> Result<String, Failure> {
        self.opt(name)?
            .ok_or_else(|| usage(format!("--{name} is required")))
    }

    /// Every value of a repeatable flag, in order.
    pub fn all(&mut self, name: &str) -> Vec<String> {
        let (hit, rest): (Vec<_>, Vec<_>) = self.flags.drain(..).partition(|(n, _)| n == name);
        self.flags = rest;
        hit.into_iter().map(|(_, v)| v).collect()
    }

    /// Whether a switch was given.
    #[allow(dead_code)] // for commands with on/off options
    pub fn switch(&mut self, name: &str) -> bool {
        let before = self.switches.len();
        self.switches.retain(|s| s != name);
        self.switches.len() != before
    }

    /// Fails on any flag no one asked for.
    pub fn finish(self) -> Result<(), Failure> {
        if let Some((n, _)) = self.flags.first() {
            return Err(usage(format!("unknown option --{n}")));
        }
        if let Some(s) = self.switches.first() {
            return Err(usage(format!("unknown option --{s}")));
        }
        Ok(())
    }
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| usage(format!("could not read standard input: {e}")))?;
    Ok(buf)
}
