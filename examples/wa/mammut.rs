//! `wa mammut check` and `wa mammut update`.

use whatsapp_connector::mammut::{BotConfig, QueryValueStyle};

use crate::args::{Args, Failure, read_stdin, usage};

pub fn run(command: &str, rest: &[String]) -> Result<(), Failure> {
    match command {
        "check" => {
            Args::parse(rest, &[])?.finish()?;
            let config = read_config()?;
            let body = serde_json::to_string_pretty(&config.to_create_body())
                .map_err(|e| usage(format!("could not write the body: {e}")))?;
            println!("{body}");
            Ok(())
        }
        "update" => {
            let mut args = Args::parse(rest, &[])?;
            let id = args.req("id")?;
            let style = match args.opt("style")?.as_deref() {
                None | Some("plain") => QueryValueStyle::Plain,
                Some("json") => QueryValueStyle::JsonQuoted,
                Some(other) => {
                    return Err(usage(format!(
                        "--style must be plain or json, got {other:?}"
                    )));
                }
            };
            args.finish()?;
            let id: u64 = id
                .trim()
                .parse()
                .map_err(|_| usage(format!("--id must be a whole number, got {id:?}")))?;
            let config = read_config()?;
            let request = config.update_request(id, "", style);
            println!("{}", request.path_and_query);
            Ok(())
        }
        other => Err(usage(format!(
            "unknown mammut command {other:?}; expected check or update"
        ))),
    }
}

fn read_config() -> Result<BotConfig, Failure> {
    let input = read_stdin()?;
    BotConfig::from_json(&input).map_err(|e| usage(format!("invalid config: {e}")))
}
