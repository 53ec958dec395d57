//! The offline quickstart, run as a user runs it: both providers, every message kind, the
//! bot's replies and the status callbacks.

use std::process::Command;

#[test]
fn quickstart_runs_the_whole_conversation_offline() {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir
        .join("examples")
        .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    let out = Command::new(&bin)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for provider in ["twilio", "botmaker"] {
        for kind in ["text:", "media:", "location:", "button:"] {
            let user_line = stdout
                .lines()
                .find(|l| l.contains("user →") && l.contains(provider) && l.contains(kind));
            assert!(
                user_line.is_some(),
                "no {provider} {kind} message in:\n{stdout}"
            );
            let reply = stdout.lines().find(|l| {
                l.contains("bot  ←")
                    && l.contains(provider)
                    && l.contains(&format!("You sent {kind}"))
            });
            assert!(
                reply.is_some(),
                "no {provider} reply to {kind} in:\n{stdout}"
            );
        }
    }
    for provider in ["twilio", "botmaker"] {
        let typing = stdout
            .lines()
            .filter(|l| l.contains("bot  ⋯") && l.contains(provider) && l.contains("typing…"))
            .count();
        assert_eq!(typing, 4, "typing marks on {provider}:\n{stdout}");
    }
    let reactions: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("bot  ⋯") && l.contains("reacted 👋"))
        .collect();
    assert_eq!(reactions.len(), 1, "{stdout}");
    assert!(reactions[0].contains("botmaker"), "{stdout}");
    assert!(stdout.contains("8 typing marks and 1 reaction"), "{stdout}");
    let count = |status: &str, provider: &str| {
        stdout
            .lines()
            .filter(|l| l.contains(provider) && l.contains(&format!("✓ {status} ")))
            .count()
    };
    for status in ["sent", "delivered", "read"] {
        assert_eq!(count(status, "twilio"), 4, "{status} on twilio:\n{stdout}");
    }
    for status in ["delivered", "read"] {
        assert_eq!(
            count(status, "botmaker"),
            5,
            "{status} on botmaker:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("8 user messages, 9 bot replies, 22 status callbacks"),
        "{stdout}"
    );
    // The interactive message on Botmaker: sent, and received by the fake API as buttons.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("bot  ←") && l.contains("botmaker") && l.contains("interactive:")),
        "{stdout}"
    );
    assert!(
        stdout.contains("the fake Botmaker received the buttons: Sí, confirmo | Cambiar turno"),
        "{stdout}"
    );
    // Reply buttons on Twilio: two sends by ContentSid after one Content create.
    let buttons = stdout
        .lines()
        .filter(|l| l.contains("bot  ← twilio") && l.contains("by ContentSid"))
        .count();
    assert_eq!(buttons, 2, "{stdout}");
    assert!(
        stdout.contains("got 1 Content create and 2 sends by ContentSid HX"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("All good."), "{stdout}");
}
