//! The offline quickstart, run as a user runs it: the three providers, every message kind,
//! the bot's replies, the status callbacks, the interactive messages and Meta's verification
//! request.

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
    for provider in ["twilio", "botmaker", "meta"] {
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
    for provider in ["twilio", "botmaker", "meta"] {
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
    assert!(
        stdout.contains("12 typing marks and 1 reaction"),
        "{stdout}"
    );
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
    // The fake Meta sends no status webhooks: the quickstart posts delivered and read for
    // its interactive message.
    for status in ["delivered", "read"] {
        assert_eq!(count(status, "meta"), 1, "{status} on meta:\n{stdout}");
    }
    assert_eq!(count("sent", "meta"), 0, "{stdout}");
    assert!(
        stdout.contains("12 user messages, 14 bot replies, 24 status callbacks"),
        "{stdout}"
    );
    assert!(
        stdout.contains("received 6 Twilio, 5 Botmaker and 5 Meta sends."),
        "{stdout}"
    );
    // Meta's verification request: the challenge comes back for the verify token only.
    let handshake: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.contains("GET /meta?hub.mode=subscribe&hub.verify_token=…"))
        .take(4)
        .collect();
    assert_eq!(handshake.len(), 4, "{stdout}");
    assert!(
        handshake[0].contains("hub.challenge=1158201444"),
        "{stdout}"
    );
    assert!(handshake[1].contains("200 \"1158201444\""), "{stdout}");
    assert!(
        handshake[2].contains("hub.verify_token=a-guessed-token"),
        "{stdout}"
    );
    assert!(handshake[3].contains("403"), "{stdout}");
    // The media on Meta comes by id, not by URL.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("user → meta") && l.contains("media: id ")),
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
    // The interactive message on Meta: sent, and received by the fake API as reply buttons.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("bot  ← meta") && l.contains("interactive:")),
        "{stdout}"
    );
    assert!(
        stdout.contains("the fake Meta received the buttons: Today | On Sunday"),
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
