//! No secret in any output: the Cognito client secrets that exist in the emulator, and the
//! credentials bankinfra signs with, appear in no stream of any command.

use crate::harness::{Env, STAGE, text};

#[tokio::test]
async fn no_client_secret_or_credential_appears_in_any_output_stream() {
    let env = Env::new().await.with_organization().await;
    let apply = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0));

    let cognito = env.cognito();
    // The secret key bankinfra signs with on stage local (the key ID is an identifier, not a secret).
    let mut secrets = vec!["bankinfra-local-secret-key".to_string()];
    for pool in ["customers", "staff"] {
        let id = env.param(&format!("cognito/{pool}/pool-id")).await.unwrap();
        let clients = cognito.list_user_pool_clients().user_pool_id(&id).max_results(60).send().await.unwrap();
        for client in clients.user_pool_clients() {
            let described = cognito
                .describe_user_pool_client()
                .user_pool_id(&id)
                .client_id(client.client_id().unwrap())
                .send()
                .await
                .unwrap();
            secrets.extend(described.user_pool_client().unwrap().client_secret().map(str::to_string));
        }
    }
    assert!(secrets.len() >= 3, "the two confidential clients have secrets: {}", secrets.len() - 1);

    let mut streams = vec![text(&apply.stdout), text(&apply.stderr)];
    let commands: [&[&str]; 10] = [
        &["plan", "--stage", STAGE],
        &["apply", "--stage", STAGE, "--auto-approve", "-vv"],
        &["apply", "--stage", STAGE, "--auto-approve", "--json"],
        &["plan", "--stage", STAGE, "--json"],
        &["verify", "--stage", STAGE],
        &["verify", "--stage", STAGE, "--json", "--probe"],
        &["outputs", "--stage", STAGE],
        &["outputs", "--stage", STAGE, "--json"],
        &["graph", "--stage", STAGE],
        &["unlock", "--stage", STAGE, "--auto-approve"],
    ];
    for args in commands {
        let out = env.run(args);
        streams.push(text(&out.stdout));
        streams.push(text(&out.stderr));
    }
    // Logs at every level, the AWS SDK's included.
    for level in ["trace", "debug"] {
        let out = env.command(&["plan", "--stage", STAGE, "-vv"]).env("RUST_LOG", level).output().unwrap();
        assert!(text(&out.stderr).lines().count() > 10, "RUST_LOG={level} logs");
        streams.push(text(&out.stdout));
        streams.push(text(&out.stderr));
    }
    // A saved plan file.
    let saved = std::env::temp_dir().join(format!("bankinfra-secrets-{}.json", std::process::id()));
    let out = env.run(&["plan", "--stage", STAGE, "--out", saved.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    streams.push(std::fs::read_to_string(&saved).unwrap());
    let _ = std::fs::remove_file(&saved);
    // An error path too: a run refused for the wrong account prints what it knows.
    let mut wrong = env.command(&["plan", "--stage", "dev"]);
    let out = wrong.output().unwrap();
    streams.push(text(&out.stdout));
    streams.push(text(&out.stderr));

    for (i, stream) in streams.iter().enumerate() {
        for secret in &secrets {
            if let Some(at) = stream.find(secret.as_str()) {
                let context = &stream[at.saturating_sub(200)..(at + secret.len() + 80).min(stream.len())];
                panic!("output stream {i} shows a secret: …{}…", context.replace(secret.as_str(), "***"));
            }
        }
    }
}
