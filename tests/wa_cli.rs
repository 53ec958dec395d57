//! The `wa` tool as a command line: help and version at every level, usage errors on one
//! line with exit 2, URL checks, one error style for both providers, and no input that makes
//! it panic.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const WA: &str = env!("CARGO_BIN_EXE_wa");

/// Every variable `wa` reads, removed so the caller's environment does not leak in.
const WA_VARS: [&str; 5] = [
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "BOTMAKER_ACCESS_TOKEN",
    "BOTMAKER_CHANNEL_ID",
];

fn wa_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(WA);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in WA_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cargo test builds the wa binary");
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        // A command that fails on its arguments may exit before reading its input.
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn wa(args: &[&str], stdin: &[u8]) -> Output {
    wa_env(args, stdin, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a usage error: exit 2, one line on stderr that starts `wa: ` and holds `needle`.
#[track_caller]
fn assert_usage_error(o: &Output, needle: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("wa: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
    assert!(o.stdout.is_empty(), "{}", stdout(o));
    err
}

/// The sub-commands a help text lists under `Commands:`, `help` aside.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Each command with the flags and environment variables its help must name.
const LEAVES: &[(&str, &[&str], &[&str])] = &[
    (
        "twilio sign",
        &["--token", "--url", "--algorithm", "--content-type"],
        &[],
    ),
    (
        "twilio verify",
        &[
            "--token",
            "--url",
            "--signature",
            "--algorithm",
            "--content-type",
        ],
        &[],
    ),
    ("botmaker verify", &["--token", "--header"], &[]),
    ("parse twilio", &["--content-type"], &[]),
    ("parse botmaker", &["--content-type"], &[]),
    (
        "send twilio",
        &[
            "--to",
            "--text",
            "--media",
            "--caption",
            "--template",
            "--var",
            "--account-sid",
            "--auth-token",
            "--from",
            "--base-url",
        ],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"],
    ),
    (
        "send botmaker",
        &[
            "--to",
            "--text",
            "--media",
            "--caption",
            "--mime-type",
            "--template",
            "--var",
            "--reference",
            "--api",
            "--access-token",
            "--channel-id",
            "--base-url",
        ],
        &["BOTMAKER_ACCESS_TOKEN", "BOTMAKER_CHANNEL_ID"],
    ),
    (
        "typing twilio",
        &[
            "--message-id",
            "--to",
            "--account-sid",
            "--auth-token",
            "--base-url",
        ],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    ),
    (
        "typing botmaker",
        &[
            "--message-id",
            "--to",
            "--access-token",
            "--channel-id",
            "--base-url",
        ],
        &["BOTMAKER_ACCESS_TOKEN", "BOTMAKER_CHANNEL_ID"],
    ),
    (
        "react botmaker",
        &[
            "--message-id",
            "--emoji",
            "--remove",
            "--to",
            "--access-token",
            "--base-url",
        ],
        &["BOTMAKER_ACCESS_TOKEN"],
    ),
    (
        "send meta",
        &[
            "--to",
            "--text",
            "--media",
            "--caption",
            "--mime-type",
            "--template",
            "--var",
            "--language",
            "--access-token",
            "--phone-number-id",
            "--api-version",
            "--base-url",
        ],
        &["META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID"],
    ),
    (
        "typing meta",
        &[
            "--message-id",
            "--to",
            "--access-token",
            "--phone-number-id",
            "--base-url",
        ],
        &["META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID"],
    ),
    (
        "react meta",
        &[
            "--message-id",
            "--emoji",
            "--remove",
            "--to",
            "--access-token",
            "--phone-number-id",
            "--base-url",
        ],
        &["META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID"],
    ),
    (
        "simulate twilio",
        &[
            "--target",
            "--token",
            "--from",
            "--to",
            "--text",
            "--account-sid",
        ],
        &[],
    ),
    (
        "simulate botmaker",
        &["--target", "--token", "--from", "--to", "--text"],
        &[],
    ),
    (
        "templates botmaker list",
        &["--state", "--queue", "--access-token", "--base-url"],
        &["BOTMAKER_ACCESS_TOKEN"],
    ),
    (
        "templates botmaker get",
        &["--access-token", "--base-url"],
        &["BOTMAKER_ACCESS_TOKEN"],
    ),
    (
        "templates botmaker create",
        &[
            "--name",
            "--body",
            "--category",
            "--locale",
            "--header",
            "--header-media",
            "--footer",
            "--quick-reply",
            "--phone-line",
            "--bot-name",
            "--access-token",
            "--base-url",
        ],
        &["BOTMAKER_ACCESS_TOKEN"],
    ),
    (
        "templates botmaker delete",
        &["--access-token", "--base-url"],
        &["BOTMAKER_ACCESS_TOKEN"],
    ),
    ("meta sign", &["--app-secret"], &[]),
    ("meta verify", &["--app-secret", "--signature"], &[]),
    ("parse meta", &["--content-type"], &[]),
    (
        "simulate meta",
        &[
            "--target",
            "--app-secret",
            "--from",
            "--to",
            "--phone-number-id",
            "--text",
        ],
        &[],
    ),
    ("mammut check", &[], &[]),
    ("mammut update", &["--id", "--style"], &[]),
    (
        "templates twilio list",
        &["--account-sid", "--auth-token", "--base-url", "--page-size"],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    ),
    (
        "templates twilio create",
        &["--account-sid", "--auth-token", "--base-url"],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    ),
    (
        "templates twilio submit",
        &[
            "--sid",
            "--name",
            "--category",
            "--account-sid",
            "--auth-token",
            "--base-url",
        ],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    ),
    (
        "templates twilio status",
        &["--sid", "--account-sid", "--auth-token", "--base-url"],
        &["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    ),
    (
        "mammut connect",
        &[
            "--apply",
            "--webhook-url",
            "--mammut-base-url",
            "--twilio-base-url",
            "--twilio-messaging-base-url",
            "--mammut-token",
            "--mammut-header",
            "--mammut-secret",
        ],
        &["MAMMUT_TOKEN", "MAMMUT_AUTH_HEADER", "MAMMUT_AUTH_SECRET"],
    ),
];

#[test]
fn help_works_at_every_level_and_names_every_flag() {
    // Walk the tree the help texts describe, from `wa --help` down.
    let mut pending = vec![String::new()];
    let mut leaves = Vec::new();
    while let Some(path) = pending.pop() {
        let words: Vec<&str> = path.split_whitespace().collect();
        for help in ["--help", "-h"] {
            let mut args = words.clone();
            args.push(help);
            let o = wa(&args, b"");
            assert_eq!(o.status.code(), Some(0), "wa {path} {help}: {}", stderr(&o));
            let text = stdout(&o);
            let usage = format!("Usage: {}", format!("wa {path}").trim_end());
            assert!(text.contains(&usage), "wa {path} {help}: {text}");
            assert!(
                text.contains("--help") && text.contains("--version"),
                "{text}"
            );
        }
        // `wa help <command>` says the same.
        let mut args = vec!["help"];
        args.extend(&words);
        let o = wa(&args, b"");
        assert_eq!(o.status.code(), Some(0), "wa help {path}: {}", stderr(&o));

        let help = stdout(&wa(&[&words[..], &["--help"]].concat(), b""));
        let subs = listed_commands(&help);
        if subs.is_empty() {
            leaves.push((path.clone(), help));
        }
        for sub in subs {
            pending.push(format!("{path} {sub}").trim().to_owned());
        }
    }

    let mut found: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
    found.sort_unstable();
    let mut expected: Vec<&str> = LEAVES.iter().map(|(p, _, _)| *p).collect();
    expected.sort_unstable();
    assert_eq!(found, expected, "the commands wa lists");

    for (path, flags, vars) in LEAVES {
        let help = &leaves.iter().find(|(p, _)| p == path).unwrap().1;
        for flag in *flags {
            assert!(
                help.contains(&format!("{flag} ")),
                "wa {path} --help names {flag}: {help}"
            );
        }
        for var in *vars {
            assert!(
                help.contains(&format!("[env: {var}")),
                "wa {path} --help names {var}: {help}"
            );
        }
    }
}

#[test]
fn top_level_help_lists_the_commands() {
    let o = wa(&["--help"], b"");
    let commands = listed_commands(&stdout(&o));
    assert_eq!(
        commands,
        [
            "twilio",
            "botmaker",
            "meta",
            "parse",
            "send",
            "typing",
            "react",
            "templates",
            "simulate",
            "mammut"
        ]
    );
}

#[test]
fn help_never_shows_a_token_from_the_environment() {
    let env = [
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "f00dbabef00dbabef00dbabef00dbabe"),
        ("BOTMAKER_ACCESS_TOKEN", "bm-access-token-0001"),
    ];
    for args in [["send", "twilio", "--help"], ["send", "botmaker", "--help"]] {
        let o = wa_env(&args, b"", &env);
        assert_eq!(o.status.code(), Some(0));
        let text = stdout(&o);
        assert!(
            !text.contains("f00dbabe") && !text.contains("bm-access-token-0001"),
            "{text}"
        );
    }
}

#[test]
fn version_exits_0() {
    let expected = format!("wa {}", env!("CARGO_PKG_VERSION"));
    for args in [
        &["--version"][..],
        &["-V"],
        &["twilio", "sign", "--version"],
        &["mammut", "--version"],
    ] {
        let o = wa(args, b"");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o).trim(), expected, "{args:?}");
    }
}

#[test]
fn usage_errors_are_one_line_naming_the_command() {
    let o = wa(&["xyzzy"], b"");
    assert_usage_error(&o, "unrecognized subcommand 'xyzzy'; see 'wa --help'");
    let cases: &[(&[&str], &str)] = &[
        (&[], "a command is required"),
        (&["twilio"], "twilio: a command is required (sign, verify)"),
        (&["twilio", "sign", "--url", "https://x.test/"], "--token"),
        (&["twilio", "sign", "--token", "t", "--url"], "--url"),
        (
            &["botmaker", "verify", "--tokn", "t"],
            "a similar argument exists: '--token'",
        ),
        (&["mammut", "update", "--id", "x"], "--id"),
        (
            &["parse", "twilio", "--content-type", "a\u{7f}b"],
            "--content-type",
        ),
    ];
    for (args, needle) in cases {
        let o = wa(args, b"");
        let err = assert_usage_error(&o, needle);
        // `wa: <command words>: …; see 'wa <command words> --help'`
        let words: Vec<&str> = args
            .iter()
            .take(2)
            .copied()
            .filter(|w| !w.starts_with('-'))
            .collect();
        if !words.is_empty() {
            assert!(
                err.starts_with(&format!("wa: {}: ", words.join(" "))),
                "{err}"
            );
        }
        assert!(
            err.contains(&format!(
                "see '{}",
                ["wa"]
                    .iter()
                    .chain(&words)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            "{err}"
        );
    }
}

#[test]
fn urls_are_checked() {
    for url in ["not-a-url", "ftp://example.com/hook", "https://", "/twilio"] {
        let o = wa(&["twilio", "sign", "--token", "12345", "--url", url], b"");
        assert_usage_error(&o, "--url");
        let o = wa(
            &[
                "twilio",
                "verify",
                "--token",
                "12345",
                "--url",
                url,
                "--signature",
                "x",
            ],
            b"",
        );
        assert_usage_error(&o, "--url");
        let o = wa(
            &[
                "simulate",
                "botmaker",
                "--target",
                url,
                "--token",
                "t",
                "--from",
                "+14155550100",
                "--to",
                "+14155238886",
                "--text",
                "x",
            ],
            b"",
        );
        assert_usage_error(&o, "--target");
        for provider in ["twilio", "botmaker"] {
            let o = wa(
                &[
                    "send",
                    provider,
                    "--to",
                    "+14155550100",
                    "--text",
                    "x",
                    "--base-url",
                    url,
                ],
                b"",
            );
            assert_usage_error(&o, "--base-url");
        }
    }
}

#[test]
fn both_providers_fail_in_the_same_words() {
    let o = wa(&["parse", "twilio"], b"Body=hola");
    assert_usage_error(&o, "wa: invalid webhook: ");
    let o = wa(&["parse", "botmaker"], b"[1, 2]");
    assert_usage_error(&o, "wa: invalid webhook: ");

    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "12345",
            "--url",
            "https://example.com/twilio",
            "--signature",
            "GD8a9vyClPMV7ICDxFcR/oeneO0=",
        ],
        b"MessageSid=SM1",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("wa: invalid signature: "),
        "{}",
        stderr(&o)
    );
    let o = wa(
        &["botmaker", "verify", "--token", "one", "--header", "two"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("wa: invalid signature: "),
        "{}",
        stderr(&o)
    );

    for (provider, var) in [
        ("twilio", "TWILIO_ACCOUNT_SID"),
        ("botmaker", "BOTMAKER_ACCESS_TOKEN"),
    ] {
        let o = wa(
            &["send", provider, "--to", "+14155550100", "--text", "x"],
            b"",
        );
        let err = assert_usage_error(&o, var);
        assert!(err.starts_with("wa: no "), "{err}");
    }
}

/// A port on this machine that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_closed_port_says_connection_refused() {
    let target = format!("http://127.0.0.1:{}/twilio", closed_port());
    let o = wa(
        &[
            "simulate",
            "twilio",
            "--target",
            &target,
            "--token",
            "00112233445566778899aabbccddeeff",
            "--from",
            "+14155550100",
            "--to",
            "+14155238886",
            "--text",
            "x",
        ],
        b"",
    );
    let err = assert_usage_error(&o, "connection refused");
    assert!(
        err.starts_with(&format!("wa: cannot reach {target}: ")),
        "{err}"
    );
    assert!(!err.contains("00112233445566778899aabbccddeeff"), "{err}");

    // A password in the URL is not shown.
    let port = closed_port();
    let o = wa(
        &[
            "simulate",
            "botmaker",
            "--target",
            &format!("http://hook:url-password-1@127.0.0.1:{port}/botmaker"),
            "--token",
            "t",
            "--from",
            "+14155550100",
            "--to",
            "+14155238886",
            "--text",
            "x",
        ],
        b"",
    );
    let err = assert_usage_error(&o, "connection refused");
    assert!(!err.contains("url-password-1"), "{err}");

    let base = format!("http://127.0.0.1:{}", closed_port());
    let o = wa_env(
        &[
            "send",
            "twilio",
            "--to",
            "+14155550100",
            "--text",
            "x",
            "--base-url",
            &base,
        ],
        b"",
        &[
            ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
            ("TWILIO_AUTH_TOKEN", "f00dbabef00dbabef00dbabef00dbabe"),
            ("TWILIO_FROM", "whatsapp:+14155238886"),
        ],
    );
    let err = assert_usage_error(&o, "connection refused");
    assert!(err.starts_with("wa: cannot send: "), "{err}");
    assert!(!err.contains("f00dbabe"), "{err}");
}

#[test]
fn mammut_check_names_a_wrong_account_sid_prefix() {
    let config = br#"{"twilio-account-sid": "XX0123456789abcdef0123456789abcdef",
        "twilio-auth-token": "00112233445566778899aabbccddeeff",
        "main-whatsapp-phone-number": "+14155238886"}"#;
    let o = wa(&["mammut", "check"], config);
    let err = assert_usage_error(&o, "twilio-account-sid");
    assert!(err.contains(r#"starts with "XX""#), "{err}");
    assert!(!err.contains("00112233445566778899aabbccddeeff"), "{err}");
}

#[test]
fn no_input_makes_it_panic() {
    let long = "x".repeat(100_000);
    let cases: &[&[&str]] = &[
        &["--"],
        &["-"],
        &["--help", "--version"],
        &["twilio", "sign", "--token", "", "--url", "https://x.test/"],
        &["twilio", "sign", "--token=", "--url="],
        &["twilio", "sign", "--token", "t", "--url", "https://[::1"],
        &[
            "twilio",
            "sign",
            "--token",
            "t",
            "--url",
            "http://ünï.test/ß",
        ],
        &[
            "twilio",
            "verify",
            "--token",
            "t",
            "--url",
            "https://x.test/",
            "--signature",
            "\u{1}",
        ],
        &["botmaker", "verify", "--token", "t", "--header", "a\nb"],
        &["send", "twilio", "--to", "+", "--text", ""],
        &[
            "send",
            "botmaker",
            "--to",
            "🙂",
            "--template",
            "t",
            "--var",
            "=v",
        ],
        &[
            "simulate",
            "twilio",
            "--target",
            "http://x.test",
            "--token",
            "t",
            "--from",
            "+0",
            "--to",
            "+1",
            "--text",
            "x",
        ],
        &["mammut", "update", "--id", "99999999999999999999999"],
        &["mammut", "update", "--id", "-1"],
        &["parse", "twilio", "--content-type", ""],
        &[
            "twilio",
            "sign",
            "--token",
            long.as_str(),
            "--url",
            long.as_str(),
        ],
    ];
    for args in cases {
        let o = wa(args, b"\xff\xfe{\"x");
        let code = o.status.code();
        assert!(matches!(code, Some(0..=2)), "{args:?}: {code:?}");
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe");
        for args in [
            vec![bad],
            vec!["twilio".as_ref(), bad],
            vec![
                "parse".as_ref(),
                "twilio".as_ref(),
                "--content-type".as_ref(),
                bad,
            ],
        ] {
            let o = Command::new(WA)
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
        }
    }
}

/// Reading a body from a terminal says so; reading it from a pipe does not. `script` gives
/// `wa` a terminal where the machine has it (util-linux).
#[test]
fn a_terminal_on_stdin_gets_a_hint() {
    let o = wa(&["parse", "twilio"], b"MessageSid=SM1&Body=hola");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));

    let script = std::path::Path::new("/usr/bin/script");
    if !cfg!(target_os = "linux") || !script.exists() {
        eprintln!("no /usr/bin/script here: the terminal hint is not checked");
        return;
    }
    let mut child = Command::new(script)
        .args(["-qec", &format!("{WA} parse twilio"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The body, then Ctrl-D on a line of its own, as a user types them.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"MessageSid=SM1&Body=hola\n\x04")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        all.contains("reading the webhook body from standard input; end with Ctrl-D"),
        "{all}"
    );
    assert!(all.contains("\"type\": \"message\""), "{all}");
}

/// An output closed before `wa` writes (`wa … | head -0`) is reported, not a panic.
#[test]
fn a_closed_output_is_reported() {
    let mut child = Command::new(WA)
        .args(["parse", "twilio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end first: wa writes only once its input has ended.
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"MessageSid=SM1&Body=hola")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("wa: cannot write to standard output: "),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
